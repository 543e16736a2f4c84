// Rings (卡商团伙): the ranked list, and one ring's network and target package.
import { api, autoTable, count, el, recordView, showError } from "/static/app.js";
import { drawNetwork } from "/static/network.js";

async function list() {
  const box = document.getElementById("rings-list");
  let rows;
  try {
    const res = await api("/api/v1/centre/rings");
    rows = Array.isArray(res) ? res : (res && res.rings) || [];
  } catch (err) {
    showError(err, box);
    return;
  }
  const open = (v) => el("a", { href: `/rings/${encodeURIComponent(v)}` }, String(v));
  box.replaceChildren(
    el("p", { class: "muted small" }, `${count(rows.length)} group(s). Open one to see its network and download its target package.`),
    autoTable(rows, { link: { ring_id: open, parent_ring: (v) => (v ? open(v) : "—") }, empty: "No ring found in the store." }));
}

async function one() {
  const ringId = document.getElementById("ring-id").dataset.ringId;
  const box = document.getElementById("ring-summary");
  let res;
  try {
    res = await api(`/api/v1/centre/rings/${encodeURIComponent(ringId)}`);
  } catch (err) {
    showError(err, box);
    return;
  }
  const ring = res.ring || {};
  box.replaceChildren(recordView(ring, { skip: ["members"] }));
  drawNetwork(document.getElementById("network"), res.graph, document.getElementById("legend"));
  if (Array.isArray(ring.members)) {
    document.getElementById("ring-members").replaceChildren(el("h2", {}, "Members"), autoTable(ring.members));
  }
}

if (document.body.dataset.page === "ring") one();
else list();
