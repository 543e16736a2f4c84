// The centre's queues: warnings (预警劝阻, moved along their lifecycle) and every order's timer.
import { api, badge, busy, chinaTime, count, el, flash, idLink, showError, table } from "/static/app.js";
import { orderTable } from "/static/orders.js";

// The warning lifecycle (fraudlink.warn.lifecycle): where each state may go next.
const NEXT = {
  decided: ["dispatched"],
  dispatched: ["handed_off"],
  handed_off: ["feedback", "closed"],
  feedback: ["closed"],
  closed: [],
};
const OUTCOMES = [
  "dissuaded", "already_dissuaded", "already_paid", "not_a_victim", "unreachable", "not_dissuaded",
];

const filters = document.getElementById("filters");
const countBox = document.getElementById("count");

/** The warning's evidence in words, for the basis cell's tooltip. */
function evidenceText(w) {
  const e = w.evidence || {};
  const parts = [w.basis, e.summary, e.addressee ? `to ${e.addressee}` : null,
    Array.isArray(e.report_ids) && e.report_ids.length ? `reports ${e.report_ids.join(", ")}` : null];
  return parts.filter(Boolean).join(" · ");
}

function asList(res, key) {
  return Array.isArray(res) ? res : (res && res[key]) || [];
}

function query() {
  const q = {};
  for (const s of filters.querySelectorAll("select")) q[s.name] = s.value;
  return q;
}

/** The controls to move one warning on: next state, outcome when closing, a note. */
function moveControls(w, tr, refresh) {
  const next = Array.isArray(w.next) ? w.next : NEXT[w.state] || [];
  if (!next.length) return el("span", { class: "muted" }, "closed");
  const to = el("select", { name: "to", "aria-label": "next state" }, next.map((s) => el("option", { value: s }, s.replace("_", " "))));
  const outcome = el("select", { name: "outcome", "aria-label": "outcome", hidden: true });
  const note = el("input", { name: "note", placeholder: "note", size: 14, maxlength: 500 });
  const go = el("button", { type: "button", class: "primary" }, "Move");
  const syncOutcome = () => {
    const closing = to.value === "closed";
    // Only an unreachable person closes straight from hand-off, skipping feedback.
    const allowed = w.state === "handed_off" ? ["unreachable"] : OUTCOMES;
    outcome.replaceChildren(...allowed.map((o) => el("option", { value: o }, o.replaceAll("_", " "))));
    outcome.hidden = !closing;
  };
  to.addEventListener("change", syncOutcome);
  syncOutcome();
  go.addEventListener("click", () => busy(go, async () => {
    try {
      const body = { to: to.value, outcome: to.value === "closed" ? outcome.value : null, note: note.value.trim() };
      const res = await api(`/api/v1/centre/queues/warnings/${encodeURIComponent(w.warning_id)}`, { method: "POST", body });
      flash(`Warning ${w.warning_id} is now ${res.state || to.value}`, "ok");
      refresh();
    } catch (err) {
      showError(err);
    }
  }));
  return el("span", { class: "row-actions" }, to, outcome, note, go);
}

async function loadWarnings() {
  const box = document.getElementById("warnings-list");
  let rows;
  try {
    rows = asList(await api("/api/v1/centre/queues/warnings", { query: query() }), "warnings");
  } catch (err) {
    showError(err, box);
    return;
  }
  countBox.textContent = `${count(rows.length)} warning(s)`;
  box.replaceChildren(table([
    { label: "Warning", key: "warning_id" },
    { label: "Decided", value: (w) => chinaTime(w.decided_at) },
    { label: "Grade", value: (w) => badge(w.grade) },
    { label: "Channel", value: (w) => String(w.channel || "—").replaceAll("_", " ") },
    { label: "Person", value: (w) => idLink(w.person_id) },
    { label: "Mobile", value: (w) => idLink(w.msisdn) },
    { label: "Basis", value: (w) => el("span", { class: "clip", title: evidenceText(w) }, w.basis || "—") },
    { label: "State", value: (w) => badge(w.state) },
    { label: "Outcome", value: (w) => (w.outcome ? badge(w.outcome) : "—") },
    { label: "Updated", value: (w) => chinaTime(w.updated_at) },
    { label: "Move on", value: (w) => moveControls(w, null, loadWarnings) },
  ], rows, { empty: "No warning in this queue." }));
}

async function loadOrders() {
  const box = document.getElementById("orders-list");
  let rows;
  try {
    rows = asList(await api("/api/v1/centre/queues/orders", { query: query() }), "orders");
  } catch (err) {
    showError(err, box);
    return;
  }
  countBox.textContent = `${count(rows.length)} order(s)`;
  box.replaceChildren(orderTable(rows, { empty: "No order in this queue.", actions: orderMoves }));
}

// What the centre itself may do to an order (fraudlink.trace.order_rules): renew an executed stop
// for another 48 hours (at most twice; its 48 h run from execution), release an executed order,
// withdraw a stop the bank acknowledged but has not executed.
function orderMoves(o) {
  const moves = [];
  if (o.kind === "stop_payment" && o.state === "executed" && (o.renewals || 0) < 2) {
    moves.push(["renewed", "Renew 48 h"]);
  }
  if (o.state === "executed") moves.push(["released", "Release"]);
  if (o.kind === "stop_payment" && o.state === "acknowledged") moves.push(["released", "Withdraw"]);
  return moves.map(([to, label]) => {
    const b = el("button", { type: "button", "data-move": to }, label);
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        await api(`/api/v1/centre/orders/${encodeURIComponent(o.order_id)}/move`, { method: "POST", body: { to, note: "" } });
        flash(`${o.order_id}: ${to}`, "ok");
        loadOrders();
      } catch (err) {
        showError(err);
        b.disabled = false;
      }
    });
    return b;
  });
}

const page = document.body.dataset.page;
const load = page === "warnings" ? loadWarnings : loadOrders;
filters.addEventListener("submit", (ev) => {
  ev.preventDefault();
  load();
});
filters.addEventListener("change", () => load());
load();
