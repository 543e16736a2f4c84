// The audit log (supervisors): who read or did what, when, and whether the hash chain holds.
import { api, badge, chinaTime, count, el, showError, table } from "/static/app.js";

const PAGE = 100;
let offset = 0;

function chainView(chain) {
  if (!chain) return el("p", { class: "muted" }, "—");
  return chain.ok
    ? el("p", { class: "chain-ok" }, `Hash chain holds: ${count(chain.entries)} entries checked (${chain.reason}).`)
    : el("p", { class: "chain-bad" }, `Hash chain BROKEN at entry ${chain.first_bad_seq} of ${count(chain.entries)}: ${chain.reason}`);
}

function detail(d) {
  if (d === null || d === undefined || d === "" || d === "{}") return "";
  if (typeof d === "object" && !Array.isArray(d) && Object.keys(d).length === 0) return "";
  const text = typeof d === "string" ? d : JSON.stringify(d);
  return el("code", { class: "clip", title: text }, text);
}

async function load() {
  const box = document.getElementById("audit-list");
  let res;
  try {
    res = await api("/api/v1/centre/audit", { query: { limit: PAGE, offset } });
  } catch (err) {
    showError(err, box);
    return;
  }
  const entries = res.entries || [];
  document.getElementById("chain").replaceChildren(chainView(res.chain));
  const total = res.total ?? (res.chain ? res.chain.entries : null);
  document.getElementById("range").textContent = entries.length
    ? `entries ${count(offset + 1)}–${count(offset + entries.length)}${total != null ? ` of ${count(total)}` : ""}`
    : "no entries";
  document.getElementById("newer").disabled = offset === 0;
  document.getElementById("older").disabled = total != null ? offset + entries.length >= total : entries.length < PAGE;
  box.replaceChildren(table([
    { label: "#", key: "seq", num: true },
    { label: "At", value: (e) => chinaTime(e.at, { seconds: true }) },
    { label: "User", key: "username" },
    { label: "Role", key: "role" },
    { label: "Inst", key: "inst_id" },
    { label: "Action", key: "action" },
    { label: "Target", value: (e) => el("span", { class: "clip", title: e.target }, e.target) },
    { label: "Outcome", value: (e) => badge(e.outcome) },
    { label: "Detail", value: (e) => detail(e.detail) },
  ], entries, { empty: "The log is empty." }));
}

document.getElementById("newer").addEventListener("click", () => {
  offset = Math.max(0, offset - PAGE);
  load();
});
document.getElementById("older").addEventListener("click", () => {
  offset += PAGE;
  load();
});
load();
