// A report's rapid-comparison matches and its linked reports, for intake and the case page.
import { badge, caseLink, chinaTime, el, idLink, table, yuan } from "/static/app.js";

/** Who else names this report's identifiers: reports, cases, seizures, member flags, detectors. */
export function matchesTable(matches) {
  return table([
    { label: "Kind", key: "kind" },
    { label: "Identifier", value: (m) => idLink(m.value) },
    { label: "Source", value: (m) => String(m.source || "—").replaceAll("_", " ") },
    { label: "Record", value: (m) => (m.report_id && m.ref === m.report_id ? caseLink(m.ref) : m.ref) },
    { label: "Report", value: (m) => (m.report_id ? caseLink(m.report_id) : "—") },
    { label: "Time", value: (m) => chinaTime(m.time) },
    { label: "Confidence", num: true, value: (m) => (m.confidence == null ? "—" : Number(m.confidence).toFixed(2)) },
  ], matches || [], { empty: "No identifier of this report is known elsewhere yet." });
}

/** Reports that share identifiers with this one (串并案), cluster members first. */
export function linkedTable(linked) {
  const rows = [...(linked || [])].map((r) => (typeof r === "object" ? r : { report_id: r }));
  rows.sort((a, b) => Number(!!b.same_cluster) - Number(!!a.same_cluster));
  return table([
    { label: "Report", value: (r) => caseLink(r.report_id) },
    { label: "Reported", value: (r) => chinaTime(r.reported_at) },
    { label: "Fraud type", value: (r) => String(r.fraud_type || "—").replaceAll("_", " ") },
    { label: "District", key: "district" },
    { label: "Claimed loss", num: true, value: (r) => yuan(r.claimed_loss_fen) },
    { label: "Cluster", value: (r) => (r.same_cluster ? badge("same case", "acknowledged") : "—") },
    { label: "Shares", value: (r) => el("span", { class: "clip", title: (r.shared || []).join(", ") }, (r.shared || []).join(", ") || "—") },
  ], rows, { empty: "No other report shares its identifiers." });
}
