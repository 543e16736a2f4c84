// One identifier (person, account, number…): what the store knows, the detectors' scores and
// reasons, the reports and flags that name it, and what it is linked to.
import { api, badge, caseLink, chinaTime, el, flash, idLink, recordView, showError, table } from "/static/app.js";
import { matchesTable } from "/static/reports.js";

const form = document.getElementById("id-form");
const input = document.getElementById("q");
const out = document.getElementById("id-result");

/** For a mobile number: ask its operator to cut it off (停机), with the analyst's grounds. */
function blockForm(number) {
  const reason = el("input", { name: "block-reason", size: 40, placeholder: "grounds, for the operator", "aria-label": "grounds for the block" });
  const button = el("button", { type: "button", class: "primary", "data-action": "block" }, "Block this number (停机)");
  button.addEventListener("click", async () => {
    if (!reason.value.trim()) {
      flash("Give the grounds for the block", "error");
      return;
    }
    button.disabled = true;
    try {
      const order = await api("/api/v1/centre/blocks", { method: "POST", body: { msisdn: number, reason: reason.value.trim() } });
      flash(`Block ${order.order_id} sent to ${order.addressee}`, "ok");
    } catch (err) {
      showError(err);
      button.disabled = false;
    }
  });
  return el("p", { class: "actions" }, reason, " ", button);
}

function entityView(entity) {
  if (!entity || typeof entity !== "object" || !Object.keys(entity).length) {
    return el("p", { class: "muted" }, "The registries hold nothing more on it.");
  }
  return recordView(entity);
}

async function load(q) {
  if (!q) {
    out.replaceChildren(el("p", { class: "muted" }, "Enter an account, a mobile number, an ID number, an IMEI, an IP address or a URL."));
    return;
  }
  out.replaceChildren(el("p", { class: "muted" }, "Looking up…"));
  let r;
  try {
    r = await api(`/api/v1/centre/identifiers/${encodeURIComponent(q)}`);
  } catch (err) {
    showError(err, out);
    return;
  }
  document.title = `${r.node_id || r.query} · fraudlink`;
  const scores = r.scores || [];
  const top = scores.reduce((m, s) => Math.max(m, Number(s.score) || 0), 0);
  out.replaceChildren(
    el("h2", {}, `${r.kind || "identifier"} `, el("code", {}, r.node_id || r.query), " ",
      r.known === false ? badge("not known to the centre", "closed") : null,
      scores.length ? badge(`top score ${top.toFixed(2)}`, top >= 0.8 ? "high" : top >= 0.5 ? "medium" : "low") : null),
    r.kind === "phone" ? blockForm(r.value || r.query) : null,
    el("div", { class: "cols" },
      el("section", {}, el("h3", {}, "What the store knows"), entityView(r.entity)),
      el("section", {}, el("h3", {}, "Detector scores and reasons"), table([
        { label: "Detector", key: "detector" },
        { label: "Score", num: true, value: (s) => (s.score == null ? "—" : Number(s.score).toFixed(3)) },
        { label: "Reason", key: "reason" },
        { label: "Detected", value: (s) => chinaTime(s.detected_at) },
      ], scores, { empty: "No detector has scored it." }))),
    el("h3", {}, "Named by (rapid comparison hits)"),
    matchesTable(r.hits),
    el("h3", {}, "Related"),
    table([
      { label: "Kind", key: "kind" },
      { label: "Value", value: (x) => (x.kind === "report" ? caseLink(x.value) : idLink(x.value)) },
      { label: "Relation", key: "relation" },
    ], r.related || [], { empty: "Nothing linked to it." }),
  );
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = input.value.trim();
  history.replaceState(null, "", `/identifiers?q=${encodeURIComponent(q)}`);
  load(q);
});

load(input.value.trim());
