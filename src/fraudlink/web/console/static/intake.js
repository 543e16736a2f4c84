// Report intake (接警录入): enter a victim report, get back the matches, the linked reports,
// the money trail and the orders to issue, without leaving the page.
import { ApiError, api, chinaInputNow, chinaInputToUtc, el, flash, parseYuan, showError } from "/static/app.js";
import { linkedTable, matchesTable } from "/static/reports.js";
import { proposedTable } from "/static/orders.js";
import { drawTrail } from "/static/trail.js";

const form = document.getElementById("report-form");
const payments = document.querySelector("#payments tbody");
const indicators = document.querySelector("#indicators tbody");
const problems = document.getElementById("form-problems");
const status = document.getElementById("form-status");
const kindOptions = document.getElementById("indicator-kinds").content;

function removeButton(tr) {
  const b = el("button", { type: "button", class: "link remove", title: "remove this row" }, "remove");
  b.addEventListener("click", () => {
    tr.remove();
    renumber();
  });
  return b;
}

function renumber() {
  payments.querySelectorAll("tr").forEach((tr, i) => { tr.querySelector(".seq").textContent = String(i + 1); });
}

function addPayment() {
  const tr = el("tr", { class: "payment" });
  tr.append(
    el("td", { class: "seq num" }),
    el("td", {}, el("input", { type: "datetime-local", name: "paid_at", step: 60, required: true, value: chinaInputNow(-3600 * 1000) })),
    el("td", {}, el("input", { name: "from_account", maxlength: 32, placeholder: "optional", size: 22 })),
    el("td", {}, el("input", { name: "to_account", maxlength: 32, required: true, size: 22 })),
    el("td", { class: "num" }, el("input", { name: "amount", inputmode: "decimal", required: true, size: 12, class: "num" })),
    el("td", {}, removeButton(tr)),
  );
  payments.append(tr);
  renumber();
  return tr;
}

function addIndicator() {
  const tr = el("tr", { class: "indicator" });
  const select = el("select", { name: "kind" });
  // The kinds come from the page's <template>: the model's closed vocabulary.
  select.append(kindOptions.cloneNode(true));
  tr.append(
    el("td", {}, select),
    el("td", {}, el("input", { name: "value", maxlength: 200, required: true, size: 36 })),
    el("td", {}, removeButton(tr)),
  );
  indicators.append(tr);
  return tr;
}

/** The form as the API's body; a list of problems when something is missing or malformed. */
function collect() {
  const errs = [];
  const val = (name) => form.elements[name].value.trim();
  const need = (name, label) => {
    const v = val(name);
    if (!v) errs.push(`${label} is required`);
    return v;
  };
  const reported = need("reported_at", "reported at");
  const loss = parseYuan(need("claimed_loss", "claimed loss"));
  if (val("claimed_loss") && Number.isNaN(loss)) errs.push("claimed loss: not an amount in yuan (e.g. 48000.00)");
  const body = {
    reported_at: chinaInputToUtc(reported),
    victim_idno: need("victim_idno", "victim ID number").toUpperCase(),
    victim_msisdn: val("victim_msisdn") || null,
    district: need("district", "district code"),
    fraud_type: val("fraud_type"),
    contact_channel: val("contact_channel"),
    narrative: need("narrative", "narrative"),
    claimed_loss_fen: loss,
    payments: [],
    indicators: [],
  };
  payments.querySelectorAll("tr").forEach((tr, i) => {
    const get = (n) => tr.querySelector(`[name=${n}]`).value.trim();
    const amount = parseYuan(get("amount"));
    if (!get("to_account")) errs.push(`payment ${i + 1}: to account is required`);
    if (Number.isNaN(amount)) errs.push(`payment ${i + 1}: amount is not an amount in yuan`);
    if (!get("paid_at")) errs.push(`payment ${i + 1}: paid at is required`);
    body.payments.push({
      seq: i + 1,
      paid_at: chinaInputToUtc(get("paid_at")),
      from_account: get("from_account") || null,
      to_account: get("to_account"),
      amount_fen: amount,
    });
  });
  indicators.querySelectorAll("tr").forEach((tr, i) => {
    const value = tr.querySelector("[name=value]").value.trim();
    if (!value) errs.push(`identifier ${i + 1}: value is required`);
    body.indicators.push({ kind: tr.querySelector("[name=kind]").value, value });
  });
  return { body, errs };
}

function showProblems(list) {
  problems.replaceChildren(...list.map((p) => el("li", {}, p)));
  problems.hidden = list.length === 0;
}

/** The server's problems (pydantic errors or ingest problems by row and field) as lines. */
function serverProblems(err) {
  const d = err.detail;
  const list = Array.isArray(d) ? d : d && Array.isArray(d.problems) ? d.problems : null;
  if (!list) return [err.message];
  return list.map((p) => {
    if (p.loc) return `${p.loc.filter((x) => x !== "body").join(" › ")}: ${p.msg}`;
    const row = p.row !== undefined && p.row !== null ? `row ${p.row}` : "";
    const table = p.table ? `${p.table} ` : "";
    return `${table}${row}${row ? ", " : ""}field ${p.field}: ${p.reason ?? p.message ?? ""}`;
  });
}

function showResult(res) {
  const section = document.getElementById("result");
  section.hidden = false;
  const link = document.getElementById("result-link");
  link.textContent = res.report_id;
  link.href = `/cases/${encodeURIComponent(res.report_id)}`;
  document.getElementById("matches").replaceChildren(matchesTable(res.matches));
  document.getElementById("linked").replaceChildren(linkedTable(res.linked_reports));
  drawTrail(document.getElementById("trail"), res.trail);
  document.getElementById("proposed").replaceChildren(proposedTable(res.proposed_orders, res.report_id));
  section.scrollIntoView({ behavior: "smooth", block: "start" });
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const { body, errs } = collect();
  showProblems(errs);
  if (errs.length) return;
  const button = document.getElementById("submit-report");
  button.disabled = true;
  status.textContent = "Submitting, matching and tracing…";
  try {
    const res = await api("/api/v1/centre/reports", { method: "POST", body });
    status.textContent = "";
    flash(`Report ${res.report_id} stored`, "ok");
    // Stored once: a second submit would make a second report. "New report" starts afresh.
    const again = document.getElementById("new-report");
    form.querySelectorAll("input, select, textarea, button").forEach((x) => { x.disabled = x !== again; });
    again.hidden = false;
    showResult(res);
    return;
  } catch (err) {
    status.textContent = "";
    if (err instanceof ApiError && err.status === 422) {
      showProblems(serverProblems(err));
      flash("The report was not stored: see the problems below the form", "error");
    } else {
      showError(err);
    }
  }
  button.disabled = false;
});

document.getElementById("new-report").addEventListener("click", () => location.assign("/intake"));

document.getElementById("add-payment").addEventListener("click", () => addPayment());
document.getElementById("add-indicator").addEventListener("click", () => addIndicator());
form.elements.reported_at.value = chinaInputNow();
addPayment();
