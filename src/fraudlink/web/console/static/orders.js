// Fund-control orders as tables, shared by intake, the case page and both order queues:
// one row per order, a details row with the checks, the evidence and the history.
import { api, badge, busy, caseLink, chinaTime, duration, el, flash, idLink, plain, showError, table, yuan } from "/static/app.js";

export const KIND_NAMES = { stop_payment: "Stop-payment (止付)", freeze: "Freeze (冻结)" };

export function kindName(kind) {
  return KIND_NAMES[kind] || String(kind).replaceAll("_", " ");
}

/** Seconds left on an order's timer, from the API's `seconds_left` or its expiry: only an
 *  executed stop's timer runs (its 48 h start at execution). */
function secondsLeft(o) {
  if (o.seconds_left !== undefined && o.seconds_left !== null) return Number(o.seconds_left);
  if (o.expires_at && o.kind === "stop_payment" && o.state === "executed") return (Date.parse(o.expires_at) - Date.now()) / 1000;
  return null;
}

/** A timer cell that counts down while the page is open; a stop not yet executed awaits the bank. */
export function timer(o) {
  const left = secondsLeft(o);
  if ((left === null || Number.isNaN(left)) && o.kind === "stop_payment" && o.awaiting) return `awaiting ${o.awaiting}`;
  if (left === null || Number.isNaN(left)) return "—";
  return el("span", { class: "timer", "data-until": String(Date.now() + left * 1000) }, duration(left));
}

/** How late the addressee is with the step a live order awaits (acknowledgement or execution):
 *  counts up while the page is open; before the deadline, the deadline; "—" once executed or
 *  closed. The API gives `due_at` and `overdue_seconds` (fraudlink.trace.order_rules.DUE). */
export function overdueCell(o) {
  if (o.overdue_seconds !== undefined && o.overdue_seconds !== null) {
    const late = Number(o.overdue_seconds);
    return el("span", {
      class: "overdue error-text", "data-due": String(Date.now() - late * 1000),
      title: `${o.awaiting || "action"} was due ${chinaTime(o.due_at)} China time`,
    }, lateText(late));
  }
  if (o.due_at) {
    // On time at load; the page may stay open past the deadline, so the tick turns it late.
    return el("span", {
      class: "muted", "data-deadline": String(Date.parse(o.due_at)),
      title: `${o.awaiting || "action"} due by then`,
    }, `due ${chinaTime(o.due_at)}`);
  }
  return "—";
}

function lateText(seconds) {
  // `duration` says "due" at zero: a deadline passed under a second ago is already late.
  return seconds < 1 ? "just overdue" : `${duration(seconds)} overdue`;
}

setInterval(() => {
  for (const t of document.querySelectorAll(".timer[data-until]")) {
    t.textContent = duration((Number(t.dataset.until) - Date.now()) / 1000);
  }
  for (const t of document.querySelectorAll("[data-deadline]")) {
    if (Date.now() > Number(t.dataset.deadline)) {
      t.dataset.due = t.dataset.deadline;
      delete t.dataset.deadline;
      t.className = "overdue error-text";
    }
  }
  for (const t of document.querySelectorAll(".overdue[data-due]")) {
    t.textContent = lateText((Date.now() - Number(t.dataset.due)) / 1000);
  }
}, 15000);

/** The details of one order: checks to match, evidence by victim, legal basis, history. */
export async function orderDetails(o, { fetchHistory = true } = {}) {
  const box = el("div", { class: "order-details" });
  const checks = o.checks || {};
  box.append(el("div", { class: "cols" },
    el("div", {}, el("h4", {}, "Checks to match"), el("dl", { class: "fields" },
      el("dt", {}, "account name"), el("dd", {}, plain(checks.account_name ?? o.account_name)),
      el("dt", {}, "account number"), el("dd", {}, plain(checks.account_number ?? o.account)),
      el("dt", {}, "amount"), el("dd", {}, yuan(checks.amount_fen ?? o.amount_fen)),
      el("dt", {}, "transaction"), el("dd", {}, plain(checks.txn_id ?? "—")),
      el("dt", {}, "time"), el("dd", {}, chinaTime(checks.time)))),
    el("div", {}, el("h4", {}, "Legal basis"), el("p", { class: "small" }, o.legal_basis || "—"),
      el("p", { class: "small muted" }, `created by ${o.created_by || "—"}; priority ${o.priority != null ? Number(o.priority).toFixed(1) : "—"}; renewals ${o.renewals ?? 0}`))));
  // The inflows the institution matches before it holds (name, number, amount, time of each).
  const inflows = checks.transactions || [];
  if (inflows.length > 1) {
    box.append(el("h4", {}, "Transactions to match"), table([
      { label: "Transaction", key: "txn_id" },
      { label: "Amount", num: true, value: (t) => yuan(t.amount_fen) },
      { label: "Time", value: (t) => chinaTime(t.time) },
    ], inflows));
  }
  const victims = (o.evidence && o.evidence.victims) || [];
  if (victims.length) {
    box.append(el("h4", {}, "Evidence: victims' money on this account"), table([
      { label: "Report", value: (v) => (v.report_id ? caseLink(v.report_id) : "—") },
      { label: "Amount", num: true, value: (v) => yuan(v.amount_fen) },
      { label: "Hops", num: true, key: "hops" },
      { label: "Last in at", value: (v) => chinaTime(v.last_in_at) },
    ], victims));
  }
  if (fetchHistory && o.order_id) {
    const hist = el("div", {}, el("p", { class: "muted" }, "Loading history…"));
    box.append(el("h4", {}, "History"), hist);
    try {
      const full = o.history ? o : await api(`/api/v1/orders/${encodeURIComponent(o.order_id)}`);
      hist.replaceChildren(historyTable(full.history || []));
    } catch (err) {
      showError(err, hist);
    }
  }
  return box;
}

export function historyTable(history) {
  return table([
    { label: "#", key: "seq", num: true },
    { label: "At", value: (h) => chinaTime(h.at) },
    { label: "Event", key: "event" },
    { label: "State", value: (h) => badge(h.state) },
    { label: "Amount", num: true, value: (h) => yuan(h.amount_fen) },
    { label: "Expires", value: (h) => chinaTime(h.expires_at) },
    { label: "Note", key: "note" },
  ], history, { empty: "No history." });
}

/**
 * A table of orders. `actions(order, row)` returns the cells' action elements; `columns` adds
 * or removes columns by name. A click on "details" opens the order's details under its row.
 */
export function orderTable(orders, { actions, showInst = true, showTimer = true, history = true, empty = "No orders." } = {}) {
  if (!orders || !orders.length) return el("p", { class: "muted empty" }, empty);
  const head = ["Order", "Kind", "Account", "Holder"];
  if (showInst) head.push("Addressee");
  head.push("Amount", "Held", "State", "Requested");
  if (showTimer) head.push("Time left", "Overdue");
  head.push("Reports", "");
  const numeric = new Set(["Amount", "Held", "Time left", "Overdue"]);
  const tbody = el("tbody");
  const ncol = head.length;
  for (const o of orders) {
    const tr = el("tr", { "data-order-id": o.order_id || o.account, "data-state": o.state });
    const more = el("button", { type: "button", class: "link" }, "details");
    const cells = [
      o.order_id || el("span", { class: "muted" }, "(not issued)"),
      kindName(o.kind),
      idLink(o.account),
      o.account_name || "—",
    ];
    if (showInst) cells.push(el("span", { title: o.addressee || "" }, o.inst_id || "—"));
    cells.push(yuan(o.amount_fen), yuan(o.held_fen), badge(o.state), chinaTime(o.requested_at));
    if (showTimer) cells.push(timer(o), overdueCell(o));
    cells.push(el("span", {}, (o.report_ids || []).flatMap((r, i) => (i ? [", ", caseLink(r)] : [caseLink(r)]))));
    const act = el("span", { class: "row-actions" }, more, actions ? actions(o, tr) : null);
    cells.push(act);
    cells.forEach((c, i) => tr.append(el("td", { class: numeric.has(head[i]) ? "num" : null }, c)));
    tbody.append(tr);
    let open = null;
    more.addEventListener("click", async () => {
      if (open) {
        open.remove();
        open = null;
        more.textContent = "details";
        return;
      }
      more.textContent = "hide";
      open = el("tr", { class: "details-row" }, el("td", { colspan: ncol }, el("p", { class: "muted" }, "Loading…")));
      tr.after(open);
      const row = open;
      const body = await orderDetails(o, { fetchHistory: history && !!o.order_id && o.state !== undefined });
      row.firstChild.replaceChildren(body);
    });
  }
  const thead = el("thead", {}, el("tr", {}, head.map((h) => el("th", { class: numeric.has(h) ? "num" : null }, h))));
  return el("div", { class: "scroll" }, el("table", { class: "data orders" }, thead, tbody));
}

/**
 * Proposed orders (not saved) with an "Issue" button each: POST /api/v1/centre/orders for the
 * report and that account. `onIssued(saved)` runs after the centre accepts it.
 */
export function proposedTable(proposed, reportId, { onIssued } = {}) {
  // A proposal has no order yet: its id and state are made when it is issued.
  const rows = (proposed || []).map((o) => ({ ...o, order_id: null, state: "proposed" }));
  return orderTable(rows, {
    showTimer: false,
    history: false,
    empty: "No orders to propose: no victim money sits on an account that is not stopped yet.",
    actions: (o, tr) => {
      const button = el("button", { type: "button", class: "primary issue", "data-kind": o.kind, "data-account": o.account }, `Issue ${o.kind === "freeze" ? "freeze" : "stop-payment"}`);
      button.addEventListener("click", () => busy(button, async () => {
        try {
          const saved = await api("/api/v1/centre/orders", {
            method: "POST",
            body: { report_id: reportId || (o.report_ids || [])[0], kind: o.kind, accounts: [o.account] },
          });
          const mine = (Array.isArray(saved) ? saved : [saved]).find((s) => s.account === o.account) || (saved && saved[0]);
          tr.dataset.state = mine ? mine.state : "requested";
          tr.firstChild.replaceChildren(mine ? mine.order_id : "issued");
          tr.querySelector(".badge")?.replaceWith(badge(mine ? mine.state : "requested"));
          button.replaceWith(el("span", { class: "ok-text" }, "issued"));
          flash(`${kindName(o.kind)} ${mine ? mine.order_id : ""} sent to ${o.addressee || o.inst_id}`, "ok");
          if (onIssued) onIssued(saved);
        } catch (err) {
          showError(err);
        }
      }));
      return button;
    },
  });
}
