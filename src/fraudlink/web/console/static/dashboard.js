// The dashboard: the centre's results, trends by day / week / month, fraud types, districts.
import { api, chinaTime, count, el, ratio, showError, table, yuan } from "/static/app.js";
import { barChart, heatGrid, lineChart } from "/static/charts.js";

const FRAUD_ZH = {
  order_brushing: "刷单返利",
  fake_investment: "虚假投资理财",
  fake_loan: "虚假贷款",
  fake_customer_service: "冒充客服",
  impersonate_police: "冒充公检法",
  fake_credit_repair: "虚假征信",
  fake_shopping: "虚假购物",
  impersonate_boss: "冒充领导熟人",
  game_trade: "游戏虚假交易",
  romance: "婚恋交友",
  other: "其他",
};

let data = null;

function kpi(label, value, note) {
  return el("div", { class: "kpi" }, el("div", { class: "kpi-label" }, label),
    el("div", { class: "kpi-value" }, value), note ? el("div", { class: "kpi-note" }, note) : null);
}

function renderResults(r) {
  const loss = r.loss_fen || 0;
  const share = (v) => (loss > 0 ? `${((100 * (v || 0)) / loss).toFixed(1)}% of loss` : null);
  document.getElementById("kpis").replaceChildren(
    kpi("Reports", count(r.reports)),
    kpi("Victims", count(r.victims)),
    kpi("Loss", yuan(r.loss_fen)),
    kpi("Stopped (止付)", yuan(r.stopped_fen), share(r.stopped_fen)),
    kpi("Frozen (冻结)", yuan(r.frozen_fen), share(r.frozen_fen)),
    kpi("Returned (返还)", yuan(r.returned_fen), share(r.returned_fen)),
    kpi("Dissuaded (劝阻)", count(r.dissuaded)),
  );
  const pairs = (obj) => Object.entries(obj || {}).map(([k, v]) => ({ k, v }));
  document.getElementById("orders-by-kind").replaceChildren(
    table([{ label: "Kind", value: (x) => x.k.replaceAll("_", " ") }, { label: "Orders", num: true, value: (x) => count(x.v) }],
      pairs(r.orders), { empty: "No orders yet." }));
  document.getElementById("warnings-by-grade").replaceChildren(
    table([{ label: "Grade", value: (x) => x.k }, { label: "Warnings", num: true, value: (x) => count(x.v) }],
      pairs(r.warnings), { empty: "No warnings yet." }));
}

function renderTrend(period) {
  const rows = (data.trends && data.trends[period]) || [];
  document.querySelectorAll("#trend-tabs .tab").forEach((t) => {
    t.classList.toggle("active", t.dataset.period === period);
    t.setAttribute("aria-selected", String(t.dataset.period === period));
  });
  lineChart(document.getElementById("trend-reports"),
    rows.map((r) => ({ label: String(r.period), value: r.reports || 0 })), { fmt: count });
  lineChart(document.getElementById("trend-loss"),
    rows.map((r) => ({ label: String(r.period), value: (r.loss_fen || 0) / 100, raw: r.loss_fen })),
    { fmt: yuan, color: "#c62828" });
  document.getElementById("trend-table").replaceChildren(table([
    { label: "Period", key: "period" },
    { label: "Reports", num: true, value: (r) => count(r.reports) },
    { label: "× previous", num: true, value: (r) => ratio(r.ratio_reports) },
    { label: "Loss", num: true, value: (r) => yuan(r.loss_fen) },
    { label: "× previous", num: true, value: (r) => ratio(r.ratio_loss) },
  ], rows));
}

async function load() {
  try {
    data = await api("/api/v1/centre/dashboard");
  } catch (err) {
    showError(err, document.getElementById("kpis"));
    return;
  }
  document.getElementById("as-of").textContent = data.as_of ? `as of ${chinaTime(data.as_of)}` : "";
  renderResults(data.results || {});
  // Only the grains the server sends get a tab.
  document.querySelectorAll("#trend-tabs .tab").forEach((t) => { t.hidden = !(data.trends && t.dataset.period in data.trends); });
  renderTrend(data.trends && "week" in data.trends ? "week" : Object.keys(data.trends || { week: [] })[0]);
  const types = [...(data.fraud_types || [])].sort((a, b) => (b.loss_fen || 0) - (a.loss_fen || 0));
  barChart(document.getElementById("fraud-types"), types.map((t) => ({
    label: `${String(t.fraud_type).replaceAll("_", " ")} ${t.label || FRAUD_ZH[t.fraud_type] || ""}`.trim(),
    value: (t.loss_fen || 0) / 100,
    raw: t.loss_fen,
    note: `${count(t.reports)} reports`,
  })), { fmt: yuan });
  heatGrid(document.getElementById("districts"), data.districts || []);
}

document.getElementById("trend-tabs").addEventListener("click", (ev) => {
  const tab = ev.target.closest(".tab");
  if (tab && data) renderTrend(tab.dataset.period);
});

load();
