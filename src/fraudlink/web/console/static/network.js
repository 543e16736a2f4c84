// A ring's network: people, cards, SIMs, devices, addresses and staff as a small
// force-directed layout (Fruchterman–Reingold) on SVG. Nodes are coloured by kind, can be
// dragged, and a double click opens the identifier.
import { el } from "/static/app.js";
import { svgEl } from "/static/charts.js";

export const KIND_COLOURS = {
  person: "#1565c0",
  account: "#ef6c00",
  card: "#ef6c00",
  sim: "#2e7d32",
  phone: "#2e7d32",
  device: "#6a1b9a",
  imei: "#6a1b9a",
  ip: "#00838f",
  staff: "#c62828",
  outlet: "#795548",
  cell: "#9e9d24",
  dealer: "#b71c1c",
};
const FALLBACK = ["#5e35b1", "#00897b", "#ad1457", "#4e342e", "#283593", "#558b2f"];

export function kindColour(kind) {
  if (KIND_COLOURS[kind]) return KIND_COLOURS[kind];
  let h = 0;
  for (const ch of String(kind)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK[h % FALLBACK.length];
}

const W = 960;
const H = 620;

/** The value to look up for a node: its label, or its id without a "kind:" prefix. */
function lookupValue(n) {
  if (!["person", "account", "sim", "device", "ip"].includes(n.kind)) return null;
  const id = String(n.id);
  return n.label || (id.includes(":") ? id.slice(id.indexOf(":") + 1) : id);
}

/** Draw `graph` ({nodes, edges}) into `box`; a legend of the kinds goes into `legendBox`. */
export function drawNetwork(box, graph, legendBox) {
  box.replaceChildren();
  const nodes = ((graph && graph.nodes) || []).map((n, i) => ({ ...n, i }));
  if (!nodes.length) {
    box.append(el("p", { class: "muted empty" }, "No network for this ring."));
    return;
  }
  const index = new Map(nodes.map((n) => [n.id, n]));
  const edges = ((graph && graph.edges) || [])
    .filter((e) => index.has(e.source) && index.has(e.target) && e.source !== e.target)
    .map((e) => ({ ...e, a: index.get(e.source), b: index.get(e.target) }));

  // Start on a circle (deterministic, so the same ring looks the same each time).
  const n = nodes.length;
  nodes.forEach((nd, i) => {
    const t = (2 * Math.PI * i) / n;
    const r = Math.min(W, H) * 0.35 * (0.6 + 0.4 * ((i * 7919) % 13) / 13);
    nd.x = W / 2 + r * Math.cos(t);
    nd.y = H / 2 + r * Math.sin(t);
    nd.pinned = false;
  });
  const k = Math.sqrt((W * H) / n) * 0.55;
  let temperature = W / 8;

  /** One step of the layout: push all apart, pull along edges, a little gravity, cool down. */
  function step() {
    for (const a of nodes) {
      a.dx = 0;
      a.dy = 0;
    }
    for (let i = 0; i < n; i++) {
      const a = nodes[i];
      for (let j = i + 1; j < n; j++) {
        const b = nodes[j];
        let dx = a.x - b.x;
        let dy = a.y - b.y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 0.01) {
          dx = (i - j) * 0.1;
          dy = 0.1;
          d2 = dx * dx + dy * dy;
        }
        const f = (k * k) / d2;
        a.dx += dx * f;
        a.dy += dy * f;
        b.dx -= dx * f;
        b.dy -= dy * f;
      }
    }
    for (const e of edges) {
      const dx = e.a.x - e.b.x;
      const dy = e.a.y - e.b.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 0.01;
      const f = d / k;
      e.a.dx -= dx * f;
      e.a.dy -= dy * f;
      e.b.dx += dx * f;
      e.b.dy += dy * f;
    }
    for (const a of nodes) {
      a.dx += (W / 2 - a.x) * 0.02;
      a.dy += (H / 2 - a.y) * 0.02;
      if (a.pinned) continue;
      const d = Math.sqrt(a.dx * a.dx + a.dy * a.dy) || 1;
      const move = Math.min(d, temperature);
      a.x = Math.min(W - 12, Math.max(12, a.x + (a.dx / d) * move));
      a.y = Math.min(H - 12, Math.max(12, a.y + (a.dy / d) * move));
    }
    temperature = Math.max(temperature * 0.95, 0.5);
  }

  const svg = svgEl("svg", { class: "network", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `ring network: ${n} nodes, ${edges.length} links` });
  const edgeLayer = svgEl("g", { class: "edges" });
  const nodeLayer = svgEl("g", { class: "nodes" });
  svg.append(edgeLayer, nodeLayer);
  for (const e of edges) {
    e.el = svgEl("line", { class: `net-edge kind-${String(e.kind || "").replace(/[^a-z0-9_-]/gi, "")}` });
    e.el.append(svgEl("title", {}, `${e.a.label ?? e.a.id} — ${e.b.label ?? e.b.id}${e.kind ? ` (${String(e.kind).replaceAll("_", " ")})` : ""}`));
    edgeLayer.append(e.el);
  }
  const degree = new Map();
  for (const e of edges) {
    degree.set(e.a, (degree.get(e.a) || 0) + 1);
    degree.set(e.b, (degree.get(e.b) || 0) + 1);
  }
  const showLabels = n <= 80;
  for (const nd of nodes) {
    const r = 5 + Math.min(7, Math.sqrt(degree.get(nd) || 0) * 1.5);
    const g = svgEl("g", { class: `net-node kind-${String(nd.kind || "").replace(/[^a-z0-9_-]/gi, "")}`, "data-id": nd.id });
    g.append(svgEl("circle", { r, fill: kindColour(nd.kind), stroke: "#fff", "stroke-width": 1.5 }));
    if (showLabels) g.append(svgEl("text", { x: r + 3, y: 4, class: "net-label" }, String(nd.label ?? nd.id).slice(0, 24)));
    g.append(svgEl("title", {}, `${nd.kind}: ${nd.label ?? nd.id}${nd.evidence ? `\n${nd.evidence}` : ""}${lookupValue(nd) ? "\ndouble-click to open" : ""}`));
    nd.el = g;
    nodeLayer.append(g);
  }

  function paint() {
    for (const e of edges) {
      e.el.setAttribute("x1", e.a.x.toFixed(1));
      e.el.setAttribute("y1", e.a.y.toFixed(1));
      e.el.setAttribute("x2", e.b.x.toFixed(1));
      e.el.setAttribute("y2", e.b.y.toFixed(1));
    }
    for (const nd of nodes) nd.el.setAttribute("transform", `translate(${nd.x.toFixed(1)},${nd.y.toFixed(1)})`);
  }

  // Big graphs take fewer steps per frame so the page stays responsive.
  const perFrame = n > 400 ? 1 : n > 150 ? 3 : 8;
  let running = false;
  function run(ticks) {
    let left = ticks;
    if (running) return;
    running = true;
    const frame = () => {
      for (let s = 0; s < perFrame && left > 0; s++, left--) step();
      paint();
      if (left > 0) requestAnimationFrame(frame);
      else running = false;
    };
    requestAnimationFrame(frame);
  }

  // Most of the layout is done before the first paint; the rest settles on screen.
  const before = n > 400 ? 20 : 120;
  for (let s = 0; s < before; s++) step();
  paint();
  run(n > 400 ? 60 : 180);

  let dragging = null;
  let moved = false;
  const toSvg = (ev) => {
    const p = svg.createSVGPoint();
    p.x = ev.clientX;
    p.y = ev.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  };
  for (const nd of nodes) {
    nd.el.addEventListener("pointerdown", (ev) => {
      dragging = nd;
      moved = false;
      nd.pinned = true;
      nd.el.setPointerCapture(ev.pointerId);
      nd.el.classList.add("dragging");
      ev.preventDefault();
    });
    nd.el.addEventListener("pointermove", (ev) => {
      if (dragging !== nd) return;
      const p = toSvg(ev);
      nd.x = Math.min(W - 12, Math.max(12, p.x));
      nd.y = Math.min(H - 12, Math.max(12, p.y));
      moved = true;
      paint();
    });
    const drop = () => {
      if (dragging !== nd) return;
      dragging = null;
      nd.el.classList.remove("dragging");
      if (moved) {
        // Neighbours follow a little; the dragged node stays where it was put.
        temperature = 8;
        run(40);
      } else {
        nd.pinned = false;
      }
    };
    nd.el.addEventListener("pointerup", drop);
    nd.el.addEventListener("pointercancel", drop);
    nd.el.addEventListener("dblclick", () => {
      const v = lookupValue(nd);
      if (v) location.assign(`/identifiers?q=${encodeURIComponent(v)}`);
    });
  }
  box.append(svg);

  if (legendBox) {
    const counts = new Map();
    for (const nd of nodes) counts.set(nd.kind, (counts.get(nd.kind) || 0) + 1);
    legendBox.replaceChildren(...[...counts].map(([kind, c]) =>
      el("span", { class: "legend-item" }, el("i", { style: `background:${kindColour(kind)}` }), `${kind} (${c})`)));
  }
}
