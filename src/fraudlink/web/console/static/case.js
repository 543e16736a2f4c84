// One case: the report, its timeline, the money trail, its orders and what else to issue.
import { api, autoTable, byKey, chinaTime, el, fields, idLink, showError, table } from "/static/app.js";
import { linkedTable, matchesTable } from "/static/reports.js";
import { orderTable, proposedTable } from "/static/orders.js";
import { drawTrail } from "/static/trail.js";

const reportId = document.getElementById("case-id").dataset.reportId;

function reportFields(report) {
  const format = {};
  for (const k of Object.keys(report || {})) {
    if (k.endsWith("_fen") || k.endsWith("_at")) format[k] = (v) => byKey(k, v);
    if (["victim_idno", "victim_msisdn"].includes(k)) format[k] = (v) => idLink(v);
    if (["payments", "indicators"].includes(k)) format[k] = () => null;
  }
  const box = el("div", {}, fields(Object.fromEntries(
    Object.entries(report || {}).filter(([k]) => !["payments", "indicators"].includes(k))), {}, format));
  if (report && Array.isArray(report.payments)) {
    box.append(el("h3", {}, "Payments"), autoTable(report.payments, { skip: ["report_id"] }));
  }
  if (report && Array.isArray(report.indicators)) {
    box.append(el("h3", {}, "Identifiers given"), autoTable(report.indicators, { skip: ["report_id"] }));
  }
  return box;
}

async function load() {
  const body = document.getElementById("case-body");
  let c;
  try {
    c = await api(`/api/v1/centre/cases/${encodeURIComponent(reportId)}`);
  } catch (err) {
    showError(err, body);
    return;
  }
  body.replaceChildren();
  document.getElementById("case-sections").hidden = false;
  document.getElementById("report").replaceChildren(reportFields(c.report));
  document.getElementById("timeline").replaceChildren(table([
    { label: "At", value: (t) => chinaTime(t.at) },
    { label: "Event", key: "event" },
    { label: "Detail", value: (t) => (t.detail !== null && typeof t.detail === "object" ? JSON.stringify(t.detail) : t.detail) },
  ], c.timeline || [], { empty: "No events." }));
  drawTrail(document.getElementById("trail"), c.trail);
  document.getElementById("orders").replaceChildren(orderTable(c.orders || [], { empty: "No order issued for this case yet." }));
  document.getElementById("proposed").replaceChildren(proposedTable(c.proposed_orders || [], reportId, { onIssued: () => load() }));
  document.getElementById("linked").replaceChildren(linkedTable(c.linked_reports));
  document.getElementById("matches").replaceChildren(matchesTable(c.matches));
  document.getElementById("as-of").textContent = c.as_of ? `as of ${chinaTime(c.as_of)}` : "";
}

load();
