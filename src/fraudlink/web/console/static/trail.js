// The money trail (资金流向): accounts in columns by hop from the victim, edges with the amounts
// that moved at each hop. Hover a node or an edge to light up every path through it; click an
// account to open what the store knows about it.
import { chinaTime, count, el, table, yuan } from "/static/app.js";
import { svgEl } from "/static/charts.js";

const COL_W = 250;
const NODE_W = 178;
const NODE_H = 50;
const ROW_H = 66;
const PAD = 24;

const KIND_COLOURS = {
  victim: "#1565c0",
  beyond: "#90a4ae",
  mule: "#ef6c00",
  mule_l1: "#ef6c00",
  mule_l2: "#f4511e",
  mule_l3: "#d84315",
  account: "#6d4c41",
  exit: "#c62828",
  cash_out: "#c62828",
  atm: "#c62828",
  crypto: "#8e24aa",
  merchant: "#00897b",
  unknown: "#78909c",
};
const FALLBACK = ["#5e35b1", "#00838f", "#9e9d24", "#ad1457", "#4e342e", "#283593"];

function colour(kind) {
  if (KIND_COLOURS[kind]) return KIND_COLOURS[kind];
  let h = 0;
  for (const ch of String(kind)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK[h % FALLBACK.length];
}

/** Edges merged per (source, target): total amount, number of transfers, first time, hop. */
function mergeEdges(edges) {
  const byPair = new Map();
  for (const e of edges) {
    const key = `${e.source}\u0000${e.target}`;
    const m = byPair.get(key);
    if (m) {
      m.amount_fen += e.amount_fen || 0;
      m.n += 1;
      if (e.time && (!m.time || e.time < m.time)) m.time = e.time;
      if (e.time && (!m.last || e.time > m.last)) m.last = e.time;
    } else {
      byPair.set(key, { ...e, amount_fen: e.amount_fen || 0, n: 1, last: e.time });
    }
  }
  return [...byPair.values()];
}

/** Columns by hop; a node without a hop goes one column right of its first payer. */
function columns(nodes, edges) {
  const hop = new Map();
  for (const n of nodes) if (Number.isFinite(n.hop)) hop.set(n.id, n.hop);
  for (let pass = 0; pass < nodes.length && hop.size < nodes.length; pass++) {
    let moved = false;
    for (const e of edges) {
      if (hop.has(e.source) && !hop.has(e.target)) {
        hop.set(e.target, hop.get(e.source) + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  for (const n of nodes) if (!hop.has(n.id)) hop.set(n.id, 0);
  return hop;
}

/** Order each column by the mean row of its payers (fewer crossings), then place. */
function layout(nodes, edges, hop) {
  const cols = new Map();
  for (const n of nodes) {
    const h = hop.get(n.id);
    if (!cols.has(h)) cols.set(h, []);
    cols.get(h).push(n);
  }
  const hops = [...cols.keys()].sort((a, b) => a - b);
  const row = new Map();
  const payers = new Map();
  for (const e of edges) {
    if (!payers.has(e.target)) payers.set(e.target, []);
    payers.get(e.target).push(e);
  }
  for (const h of hops) {
    const col = cols.get(h);
    const score = (n) => {
      const ins = (payers.get(n.id) || []).filter((e) => row.has(e.source));
      if (!ins.length) return Number.MAX_SAFE_INTEGER;
      const w = ins.reduce((s, e) => s + (e.amount_fen || 1), 0);
      return ins.reduce((s, e) => s + row.get(e.source) * (e.amount_fen || 1), 0) / w;
    };
    const scored = col.map((n) => ({ n, s: score(n) }));
    scored.sort((a, b) => a.s - b.s || (b.n.held_fen || 0) - (a.n.held_fen || 0) || String(a.n.id).localeCompare(String(b.n.id)));
    scored.forEach(({ n }, i) => row.set(n.id, i));
  }
  const tallest = Math.max(...hops.map((h) => cols.get(h).length));
  const pos = new Map();
  const minHop = hops[0];
  for (const h of hops) {
    const col = cols.get(h);
    // Centre shorter columns against the tallest one.
    const offset = ((tallest - col.length) * ROW_H) / 2;
    for (const n of col) {
      pos.set(n.id, { x: PAD + (h - minHop) * COL_W, y: PAD + 22 + offset + row.get(n.id) * ROW_H });
    }
  }
  return { pos, hops, tallest, minHop };
}

/** Everything upstream and downstream of the starting nodes: the paths through them. */
function reach(start, edges) {
  const nodes = new Set(start);
  const lit = new Set();
  const walk = (forward) => {
    const todo = [...start];
    const seen = new Set(start);
    while (todo.length) {
      const at = todo.pop();
      edges.forEach((e, i) => {
        const [from, to] = forward ? [e.source, e.target] : [e.target, e.source];
        if (from === at) {
          lit.add(i);
          nodes.add(to);
          if (!seen.has(to)) {
            seen.add(to);
            todo.push(to);
          }
        }
      });
    }
  };
  walk(true);
  walk(false);
  return { nodes, lit };
}

function short(label, max = 22) {
  const s = String(label ?? "");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

// Accounts open on the identifier page; cash-outs and "beyond the depth" ends are not identifiers.
const CLICKABLE = /^[0-9A-Za-z._@-]+$/;
const NOT_ACCOUNTS = new Set(["cash_out", "beyond", "exit", "atm", "crypto"]);

/** Draw a TRAIL ({nodes, edges}) into `box`, with a legend and a table of the transfers. */
export function drawTrail(box, trail) {
  box.replaceChildren();
  const nodes = (trail && trail.nodes) || [];
  const raw = (trail && trail.edges) || [];
  if (!nodes.length) {
    box.append(el("p", { class: "muted empty" }, "No money trail: the payments match no transfer in the ledger yet."));
    return;
  }
  const known = new Set(nodes.map((n) => n.id));
  // An edge to an account the trail does not list still shows, as an unknown account.
  for (const e of raw) {
    for (const id of [e.source, e.target]) {
      if (id !== null && id !== undefined && !known.has(id)) {
        known.add(id);
        nodes.push({ id, label: id, kind: "unknown", held_fen: 0, hop: null });
      }
    }
  }
  const edges = mergeEdges(raw.filter((e) => e.source != null && e.target != null));
  const hop = columns(nodes, edges);
  const { pos, hops, tallest, minHop } = layout(nodes, edges, hop);
  const width = PAD * 2 + (hops[hops.length - 1] - minHop) * COL_W + NODE_W;
  const height = PAD * 2 + 22 + tallest * ROW_H;
  const svg = svgEl("svg", {
    class: "trail", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `money trail: ${nodes.length} accounts, ${edges.length} transfers`,
  });
  const defs = svgEl("defs");
  const marker = svgEl("marker", { id: "trail-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }));
  defs.append(marker);
  svg.append(defs);

  for (const h of hops) {
    svg.append(svgEl("text", { x: PAD + (h - minHop) * COL_W + NODE_W / 2, y: PAD, class: "hop-title", "text-anchor": "middle" },
      h === 0 ? "victim" : `hop ${h}`));
  }

  const edgeLayer = svgEl("g", { class: "edges" });
  const labelLayer = svgEl("g", { class: "edge-labels" });
  const nodeLayer = svgEl("g", { class: "nodes" });
  svg.append(edgeLayer, labelLayer, nodeLayer);

  const edgeEls = edges.map((e, i) => {
    const a = pos.get(e.source);
    const b = pos.get(e.target);
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2;
    const x2 = b.x, y2 = b.y + NODE_H / 2;
    let d;
    if (x2 > x1) {
      const mx = (x1 + x2) / 2;
      d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
    } else {
      // Money going back to an earlier column (a loop): arc above the nodes.
      const lift = Math.min(y1, y2) - 30;
      d = `M${x1},${y1} C${x1 + 60},${lift} ${x2 - 60},${lift} ${x2},${y2}`;
    }
    const path = svgEl("path", { d, class: "edge", "marker-end": "url(#trail-arrow)", "data-edge": i });
    const width = 1.2 + Math.min(4, Math.log10(1 + (e.amount_fen || 0) / 100000));
    path.style.strokeWidth = String(width);
    const when = e.time ? ` · ${chinaTime(e.time)}${e.n > 1 && e.last !== e.time ? ` – ${chinaTime(e.last)}` : ""}` : "";
    path.append(svgEl("title", {}, `${e.source} → ${e.target}: ${yuan(e.amount_fen)}${e.n > 1 ? ` in ${e.n} transfers` : ""}${when}${e.hop != null ? ` (hop ${e.hop})` : ""}`));
    edgeLayer.append(path);
    const lx = x2 > x1 ? (x1 + x2) / 2 : (x1 + x2) / 2;
    const ly = x2 > x1 ? (y1 + y2) / 2 - 4 : Math.min(y1, y2) - 26;
    const label = svgEl("text", { x: lx, y: ly, class: "edge-amount", "text-anchor": "middle", "data-edge": i },
      `${yuan(e.amount_fen)}${e.n > 1 ? ` ×${e.n}` : ""}`);
    labelLayer.append(label);
    return { path, label };
  });

  const nodeEls = new Map();
  for (const n of nodes) {
    const p = pos.get(n.id);
    const clickable = !NOT_ACCOUNTS.has(n.kind) && CLICKABLE.test(String(n.id));
    const g = svgEl("g", {
      class: `node kind-${String(n.kind || "unknown").replace(/[^a-z0-9_-]/gi, "")}${clickable ? " clickable" : ""}`,
      transform: `translate(${p.x},${p.y})`, "data-id": n.id, tabindex: clickable ? 0 : null,
      role: clickable ? "link" : null,
    });
    const c = colour(n.kind || "unknown");
    g.append(svgEl("rect", { width: NODE_W, height: NODE_H, rx: 5, fill: "#fff", stroke: c, "stroke-width": 1.6 }));
    g.append(svgEl("rect", { width: 6, height: NODE_H, rx: 2, fill: c }));
    const named = n.label && n.label !== n.id;
    g.append(svgEl("text", { x: 12, y: 15, class: "node-id" }, short(n.id)));
    g.append(svgEl("text", { x: 12, y: 29, class: "node-label" }, short(named ? n.label : String(n.kind || "").replaceAll("_", " "), 26)));
    const sub = n.held_fen > 0 ? `holds ${yuan(n.held_fen)}` : named ? String(n.kind || "").replaceAll("_", " ") : "";
    g.append(svgEl("text", { x: 12, y: 43, class: n.held_fen > 0 ? "node-held" : "node-kind" }, sub));
    g.append(svgEl("title", {}, `${n.label ?? n.id}${n.label && n.label !== n.id ? ` (${n.id})` : ""}\nkind: ${n.kind ?? "—"}\nhop: ${hop.get(n.id)}\nholds: ${yuan(n.held_fen || 0)}${clickable ? "\nclick to open" : ""}`));
    if (clickable) {
      const open = () => location.assign(`/identifiers?q=${encodeURIComponent(n.id)}`);
      g.addEventListener("click", open);
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") open(); });
    }
    nodeLayer.append(g);
    nodeEls.set(n.id, g);
  }

  const light = (start) => {
    const { nodes: on, lit } = reach(start, edges);
    svg.classList.add("focus");
    edgeEls.forEach(({ path, label }, i) => {
      path.classList.toggle("lit", lit.has(i));
      label.classList.toggle("lit", lit.has(i));
    });
    nodeEls.forEach((g, id) => g.classList.toggle("lit", on.has(id)));
  };
  const clear = () => {
    svg.classList.remove("focus");
    svg.querySelectorAll(".lit").forEach((x) => x.classList.remove("lit"));
  };
  nodeEls.forEach((g, id) => {
    g.addEventListener("mouseenter", () => light([id]));
    g.addEventListener("mouseleave", clear);
    g.addEventListener("focus", () => light([id]));
    g.addEventListener("blur", clear);
  });
  edgeEls.forEach(({ path, label }, i) => {
    for (const x of [path, label]) {
      x.addEventListener("mouseenter", () => {
        light([edges[i].source, edges[i].target]);
      });
      x.addEventListener("mouseleave", clear);
    }
  });

  const kinds = [...new Set(nodes.map((n) => n.kind || "unknown"))];
  const legend = el("div", { class: "legend" }, kinds.map((k) =>
    el("span", { class: "legend-item" }, el("i", { style: `background:${colour(k)}` }), String(k).replaceAll("_", " "))));
  const held = nodes.reduce((s, n) => s + (n.held_fen || 0), 0);
  const moved = edges.filter((e) => hop.get(e.source) === minHop).reduce((s, e) => s + e.amount_fen, 0);
  const t = trail.totals || {};
  const summary = el("p", { class: "muted small trail-totals" },
    `${count(nodes.length)} nodes, ${count(raw.length)} transfers over ${hops.length - 1} hop(s). `
    + `Paid ${yuan(t.paid_fen ?? moved)}; still held ${yuan(t.held_fen ?? held)}`
    + (t.cashed_out_fen !== undefined ? `; cashed out ${yuan(t.cashed_out_fen)}` : "")
    + (t.beyond_depth_fen ? `; beyond the trace depth ${yuan(t.beyond_depth_fen)}` : "")
    + ". Hover to follow a path; click an account to open it.");
  const sorted = [...raw].sort((a, b) => (a.hop ?? 0) - (b.hop ?? 0) || String(a.time).localeCompare(String(b.time)));
  const details = el("details", {}, el("summary", {}, "Transfers as a table"), table([
    { label: "Hop", key: "hop", num: true },
    { label: "Time", value: (e) => chinaTime(e.time) },
    { label: "From", key: "source" },
    { label: "To", key: "target" },
    { label: "Amount", num: true, value: (e) => yuan(e.amount_fen) },
  ], sorted));
  box.append(legend, el("div", { class: "scroll trail-scroll" }, svg), summary, details);
}
