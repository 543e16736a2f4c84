// A member's order queue: the orders addressed to its head office, to acknowledge (签收),
// execute with the amount actually held, or reject with a reason. And the rapid lookup.
import { api, badge, busy, count, el, flash, parseYuan, showError, table } from "/static/app.js";
import { kindName, orderTable } from "/static/orders.js";

const filters = document.getElementById("filters");
const countBox = document.getElementById("count");

async function answer(o, body, button) {
  return busy(button, async () => {
    try {
      const res = await api(`/api/v1/orders/${encodeURIComponent(o.order_id)}/answer`, { method: "POST", body });
      flash(`${kindName(o.kind)} ${o.order_id}: ${res.state}`, "ok");
      await load();
    } catch (err) {
      showError(err);
    }
  });
}

/** What the member may do with an order in its state. */
function actions(o) {
  if (o.state === "requested") {
    const ack = el("button", { type: "button", class: "primary ack", "data-answer": "acknowledged" }, "Acknowledge (签收)");
    ack.addEventListener("click", () => answer(o, { answer: "acknowledged", amount_fen: null, reason: "" }, ack));
    return ack;
  }
  if (o.state === "acknowledged") {
    const held = el("input", { name: "held", class: "num", size: 12, inputmode: "decimal", value: (o.amount_fen / 100).toFixed(2), title: "amount actually held, in yuan", "aria-label": "amount held (yuan)" });
    const exec = el("button", { type: "button", class: "primary", "data-answer": "executed" }, "Execute");
    exec.addEventListener("click", () => {
      const fen = parseYuan(held.value);
      if (Number.isNaN(fen)) {
        flash("Held amount: not an amount in yuan", "error");
        return;
      }
      answer(o, { answer: "executed", amount_fen: fen, reason: "" }, exec);
    });
    const reason = el("input", { name: "reason", size: 16, maxlength: 500, placeholder: "reason to reject", "aria-label": "reason to reject" });
    const rej = el("button", { type: "button", class: "danger", "data-answer": "rejected" }, "Reject");
    rej.addEventListener("click", () => {
      if (!reason.value.trim()) {
        flash("A rejection needs a reason", "error");
        reason.focus();
        return;
      }
      answer(o, { answer: "rejected", amount_fen: null, reason: reason.value.trim() }, rej);
    });
    return el("span", { class: "row-actions" }, "held ¥", held, exec, reason, rej);
  }
  return null;
}

async function load() {
  const box = document.getElementById("member-orders");
  const q = {};
  for (const s of filters.querySelectorAll("select")) q[s.name] = s.value;
  let rows;
  try {
    const res = await api("/api/v1/orders", { query: q });
    rows = Array.isArray(res) ? res : (res && res.orders) || [];
  } catch (err) {
    showError(err, box);
    return;
  }
  const waiting = rows.filter((o) => o.state === "requested").length;
  countBox.textContent = `${count(rows.length)} order(s), ${count(waiting)} waiting for acknowledgement`;
  box.replaceChildren(orderTable(rows, { actions, showInst: false, empty: "No order addressed to your institution." }));
}

const RISK = { high: "high", medium: "medium", low: "low", none: "none" };

document.getElementById("lookup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = document.getElementById("lookup-result");
  const q = document.getElementById("lookup-q").value.trim();
  if (!q) return;
  try {
    const r = await api("/api/v1/lookup", { query: { q } });
    out.replaceChildren(
      el("p", {}, `${r.kind} ${r.node_id || r.query}: `, badge(`risk ${RISK[r.risk] || r.risk}`, `risk-${r.risk}`),
        r.known ? " known to the centre" : " not known to the centre"),
      table([
        { label: "Source", value: (s) => String(s.source).replaceAll("_", " ") },
        { label: "Count", num: true, value: (s) => count(s.count) },
      ], r.sources || [], { empty: "No source names it." }));
  } catch (err) {
    showError(err, out);
  }
});

filters.addEventListener("submit", (ev) => {
  ev.preventDefault();
  load();
});
filters.addEventListener("change", () => load());
load();
