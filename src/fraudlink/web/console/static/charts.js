// Small SVG charts for the dashboard: a line chart of a trend, horizontal bars of fraud types,
// and the district heat map as a grid of districts shaded by victims. No library: plain SVG.
import { el, count, yuan } from "/static/app.js";

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes. */
export function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Round a maximum up to a tidy axis top (1, 2 or 5 × 10^n). */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Short axis numbers: 12,000 → "12k", 3,400,000 → "3.4M". */
function short(v) {
  const a = Math.abs(v);
  if (a >= 1e8) return `${+(v / 1e8).toFixed(1)}亿`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

/**
 * A line chart (with dots) of points [{label, value}], value already in display units.
 * `fmt` formats a value for the tooltip.
 */
export function lineChart(box, points, { fmt = count, color = "#1565c0", height = 200 } = {}) {
  box.replaceChildren();
  if (!points.length) {
    box.append(el("p", { class: "muted empty" }, "No data for this period."));
    return;
  }
  const W = 520, H = height, L = 48, R = 12, T = 10, B = 34;
  const top = niceMax(Math.max(...points.map((p) => p.value)));
  const x = (i) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", role: "img" });
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    svg.append(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(svgEl("text", { x: L - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, short(v)));
  }
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every === 0 || i === points.length - 1) {
      svg.append(svgEl("text", { x: x(i), y: H - B + 16, class: "axis", "text-anchor": "middle" }, p.label));
    }
  });
  const d = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join("");
  svg.append(svgEl("path", { d, class: "line", stroke: color }));
  points.forEach((p, i) => {
    const dot = svgEl("circle", { cx: x(i), cy: y(p.value), r: 3.5, fill: color, class: "dot" });
    dot.append(svgEl("title", {}, `${p.label}: ${fmt(p.raw ?? p.value)}`));
    svg.append(dot);
  });
  box.append(svg);
}

/** Horizontal bars [{label, value, note}] (value in display units), largest first. */
export function barChart(box, bars, { fmt = count, color = "#00897b" } = {}) {
  box.replaceChildren();
  if (!bars.length) {
    box.append(el("p", { class: "muted empty" }, "No data."));
    return;
  }
  const rowH = 22, L = 190, R = 110, W = 560;
  const H = bars.length * rowH + 8;
  const top = Math.max(...bars.map((b) => b.value)) || 1;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", role: "img" });
  bars.forEach((b, i) => {
    const yy = 4 + i * rowH;
    const w = ((W - L - R) * b.value) / top;
    svg.append(svgEl("text", { x: L - 8, y: yy + 15, class: "axis", "text-anchor": "end" }, b.label));
    const rect = svgEl("rect", { x: L, y: yy + 3, width: Math.max(w, 1), height: rowH - 7, fill: color, rx: 2 });
    rect.append(svgEl("title", {}, `${b.label}: ${fmt(b.raw ?? b.value)}${b.note ? ` · ${b.note}` : ""}`));
    svg.append(rect);
    svg.append(svgEl("text", { x: L + w + 6, y: yy + 15, class: "axis" }, fmt(b.raw ?? b.value)));
  });
  box.append(svg);
}

/** The district heat map: one cell per district, shaded by victims, with loss below. */
export function heatGrid(box, districts) {
  box.replaceChildren();
  if (!districts.length) {
    box.append(el("p", { class: "muted empty" }, "No districts."));
    return;
  }
  const top = Math.max(...districts.map((d) => d.victims || 0)) || 1;
  const grid = el("div", { class: "heat", role: "table", "aria-label": "victims by district" });
  for (const d of [...districts].sort((a, b) => String(a.district).localeCompare(String(b.district)))) {
    const share = (d.victims || 0) / top;
    // Light to dark red by share of the busiest district; text flips to white on dark cells.
    const light = Math.round(96 - share * 56);
    const cell = el("div", {
      class: "heat-cell",
      role: "row",
      style: `background:hsl(4,70%,${light}%);color:${light < 62 ? "#fff" : "#263238"}`,
      title: `${d.district}: ${count(d.victims)} victims, ${yuan(d.loss_fen)} lost`,
    },
    el("span", { class: "heat-name", role: "cell" }, d.district),
    el("span", { class: "heat-num", role: "cell" }, `${count(d.victims)} victims`),
    el("span", { class: "heat-loss", role: "cell" }, yuan(d.loss_fen)));
    grid.append(cell);
  }
  box.append(grid);
}
