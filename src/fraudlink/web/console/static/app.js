// Shared helpers of the console: the JSON API with the session cookie, error display, yuan and
// China time. Every page script imports from here; nothing is fetched from outside this server.

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

/** Describe a FastAPI error body: a string, a list of pydantic errors, or problems by row. */
export function describeError(detail) {
  if (detail == null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => {
      if (typeof d === "string") return d;
      if (d.loc) {
        const where = d.loc.filter((p) => p !== "body").join(" › ");
        return `${where}: ${d.msg}`;
      }
      if (d.field !== undefined || d.row !== undefined) {
        const row = d.row !== undefined && d.row !== null ? `row ${d.row}, ` : "";
        return `${row}field ${d.field}: ${d.reason ?? d.message ?? ""}`;
      }
      return JSON.stringify(d);
    }).join("; ");
  }
  if (typeof detail === "object") {
    if (detail.message) return detail.message;
    if (detail.problems) return describeError(detail.problems);
    return JSON.stringify(detail);
  }
  return String(detail);
}

/** Call the JSON API; throws ApiError; a lapsed session goes back to the log-in page. */
export async function api(path, { method = "GET", body, query } = {}) {
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== "") q.set(k, v);
    }
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  if (res.status === 401 && !path.endsWith("/token")) {
    const next = location.pathname + location.search;
    location.assign(`/login?next=${encodeURIComponent(next)}`);
    throw new ApiError(401, "your session ended: log in again");
  }
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    const detail = data && typeof data === "object" ? (data.detail ?? data) : data;
    const msg = describeError(detail) || `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, msg, detail);
  }
  return data;
}

/** Show a message in the page's flash bar (kind: error | ok | info). */
export function flash(message, kind = "error") {
  const box = document.getElementById("flash");
  if (!box) return;
  box.textContent = message;
  box.className = `flash ${kind}`;
  box.hidden = !message;
  if (kind !== "error" && message) {
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { box.hidden = true; }, 6000);
  }
}

/** Show an error from the API (or anything thrown), optionally inside `where` as well. */
export function showError(err, where) {
  const status = err instanceof ApiError ? ` (${err.status})` : "";
  const msg = `${err && err.message ? err.message : String(err)}${status}`;
  if (where) {
    where.replaceChildren(el("p", { class: "error-text" }, msg));
  }
  flash(msg, "error");
}

const YUAN = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COUNT = new Intl.NumberFormat("en-US");

/** Fen (integer) as yuan with thousands separators: 123456 → "¥1,234.56". */
export function yuan(fen) {
  if (fen === null || fen === undefined || fen === "") return "—";
  const n = Number(fen);
  if (!Number.isFinite(n)) return String(fen);
  return `${n < 0 ? "-" : ""}¥${YUAN.format(Math.abs(n) / 100)}`;
}

/** A count with thousands separators. */
export function count(n) {
  if (n === null || n === undefined) return "—";
  return Number.isFinite(Number(n)) ? COUNT.format(Number(n)) : String(n);
}

/** Yuan as typed ("48,000.5", "¥1 200") to integer fen; NaN when it is not an amount. */
export function parseYuan(text) {
  const s = String(text).replace(/[¥,\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return NaN;
  const [whole, frac = ""] = s.split(".");
  return Number(whole) * 100 + Number((frac + "00").slice(0, 2));
}

const CHINA_MS = 8 * 3600 * 1000;
const pad = (n) => String(n).padStart(2, "0");

/** Parse an ISO time from the API; a time without a zone is UTC. */
export function parseTime(iso) {
  if (!iso) return null;
  const s = String(iso);
  const zoned = /[zZ]$|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`;
  const t = Date.parse(zoned);
  return Number.isNaN(t) ? null : new Date(t);
}

/** A UTC ISO time as China time (UTC+8): "2026-03-02 00:30". */
export function chinaTime(iso, { seconds = false } = {}) {
  const d = iso instanceof Date ? iso : parseTime(iso);
  if (!d) return iso ? String(iso) : "—";
  const c = new Date(d.getTime() + CHINA_MS);
  const base = `${c.getUTCFullYear()}-${pad(c.getUTCMonth() + 1)}-${pad(c.getUTCDate())} `
    + `${pad(c.getUTCHours())}:${pad(c.getUTCMinutes())}`;
  return seconds ? `${base}:${pad(c.getUTCSeconds())}` : base;
}

/** A China-time value of a datetime-local input as a UTC ISO string. */
export function chinaInputToUtc(value) {
  if (!value) return null;
  const [date, time = "00:00"] = value.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm, ss = 0] = time.split(":").map(Number);
  const ms = Date.UTC(y, m - 1, d, hh, mm, ss) - CHINA_MS;
  return new Date(ms).toISOString();
}

/** Now in China time, as a datetime-local input value. */
export function chinaInputNow(offsetMs = 0) {
  const c = new Date(Date.now() + CHINA_MS + offsetMs);
  return `${c.getUTCFullYear()}-${pad(c.getUTCMonth() + 1)}-${pad(c.getUTCDate())}`
    + `T${pad(c.getUTCHours())}:${pad(c.getUTCMinutes())}`;
}

/** Seconds as "47 h 05 min" (a timer); "due" when it has run out. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.floor(Number(seconds));
  if (s <= 0) return "due";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h >= 72) return `${Math.floor(h / 24)} d ${pad(h % 24)} h`;
  return h > 0 ? `${h} h ${pad(m)} min` : `${m} min ${pad(s % 60)} s`;
}

/** A ratio as "×1.55" (null: no previous period to compare with). */
export function ratio(r) {
  return r === null || r === undefined ? "—" : `×${Number(r).toFixed(2)}`;
}

/** Build an element: el("a", {href, class}, "text", child…). Text is never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const TIME_TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$/;

/** A dense table. columns: [{label, key?, value?(row) → text|Node, num?, title?}]. */
export function table(columns, rows, { empty = "Nothing to show.", rowAttrs } = {}) {
  if (!rows || rows.length === 0) return el("p", { class: "muted empty" }, empty);
  const head = el("tr", {}, columns.map((c) => el("th", { class: c.num ? "num" : null, title: c.title }, c.label)));
  const body = rows.map((r) => el("tr", rowAttrs ? rowAttrs(r) : {},
    columns.map((c) => {
      const v = c.value ? c.value(r) : r[c.key];
      // China times never wrap: a dense table stays one line per row.
      const time = typeof v === "string" && TIME_TEXT.test(v);
      return el("td", { class: c.num ? "num" : time ? "time" : c.cls || null }, v === undefined || v === null ? "—" : v);
    })));
  return el("div", { class: "scroll" }, el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, body)));
}

/** A field name for a reader: `amount_fen` is shown in yuan, so it reads "amount (¥)". */
export function keyLabel(k) {
  return k.endsWith("_fen") ? `${k.slice(0, -4).replaceAll("_", " ")} (¥)` : k.replaceAll("_", " ");
}

/** A definition list of an object's fields (nested values as compact JSON). */
export function fields(obj, labels = {}, format = {}) {
  if (!obj || typeof obj !== "object") return el("p", { class: "muted" }, "—");
  const dl = el("dl", { class: "fields" });
  for (const [k, v] of Object.entries(obj)) {
    const shown = format[k] ? format[k](v) : plain(v);
    dl.append(el("dt", {}, labels[k] || keyLabel(k)), el("dd", {}, shown));
  }
  return dl;
}

/** Any JSON value as short text: amounts in fen and times are recognised by their key elsewhere. */
export function plain(v) {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A value formatted by its key's name: *_fen as yuan, *_at / time as China time, numbers. */
export function byKey(key, v) {
  if (v === null || v === undefined) return "—";
  if (key.endsWith("_fen")) return yuan(v);
  if ((key.endsWith("_at") || key === "time" || key === "at" || key === "as_of") && typeof v === "string") return chinaTime(v);
  if (typeof v === "number") {
    if (!Number.isInteger(v)) return String(Number(v.toFixed(3)));
    return key.endsWith("_id") || key === "seq" ? String(v) : count(v);
  }
  if (typeof v === "boolean") return v ? "yes" : "no";
  return plain(v);
}

// Identifier and case pages are the centre's: a member sees the same values as plain text.
const CENTRE = ["analyst", "supervisor"].includes(document.body.dataset.role);

/** Link to the identifier page for a value (plain text for members). */
export function idLink(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (!CENTRE) return String(value);
  return el("a", { href: `/identifiers?q=${encodeURIComponent(value)}` }, String(value));
}

/** Link to a report's case page (plain text for members). */
export function caseLink(reportId) {
  if (!CENTRE) return String(reportId);
  return el("a", { href: `/cases/${encodeURIComponent(reportId)}` }, String(reportId));
}

/** A state badge. */
export function badge(text, kind) {
  return el("span", { class: `badge ${kind || text || ""}` }, text ?? "—");
}

/** Disable a button while an action runs, then re-enable it. */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } finally {
    if (button) button.disabled = false;
  }
}

/** The logged-in user, from the page's body. */
export function me() {
  const b = document.body.dataset;
  return { username: b.username, role: b.role, inst: b.inst };
}

function init() {
  const out = document.getElementById("logout");
  if (out) {
    out.addEventListener("click", async () => {
      try {
        await fetch("/api/v1/logout", { method: "POST", credentials: "same-origin" });
      } finally {
        location.assign("/login");
      }
    });
  }
}

init();

const IDENTIFIER_KEYS = new Set(["value", "account", "msisdn", "idno", "from_account", "to_account",
  "phone", "owner_idno", "victim_idno", "victim_msisdn", "device_imei", "imei", "ip", "caller", "callee"]);

/** Link a value by its key: report ids to their case, identifiers to the identifier page. */
export function linkByKey(key, v) {
  if (v === null || v === undefined || v === "") return null;
  if (key === "report_id" || key === "report") return caseLink(v);
  if (IDENTIFIER_KEYS.has(key) && typeof v === "string") return idLink(v);
  return null;
}

/**
 * A table of rows whose shape is not fixed: the columns are the union of the rows' keys;
 * amounts, times, report ids and identifiers are formatted and linked by their key.
 */
export function autoTable(rows, { empty = "Nothing to show.", skip = [], label = {}, link = {} } = {}) {
  const list = (rows || []).map((r) => (r !== null && typeof r === "object" ? r : { value: r }));
  const keys = [];
  for (const r of list) for (const k of Object.keys(r)) if (!keys.includes(k) && !skip.includes(k)) keys.push(k);
  return table(keys.map((k) => ({
    label: label[k] || keyLabel(k),
    num: k.endsWith("_fen") || list.some((r) => typeof r[k] === "number"),
    value: (r) => (link[k] && r[k] != null ? link[k](r[k], r) : null) ?? linkByKey(k, r[k]) ?? byKey(k, r[k]),
  })), list, { empty });
}

/** An object's scalar fields as a list, and its lists of records as tables with headings. */
export function recordView(obj, { skip = [] } = {}) {
  if (!obj || typeof obj !== "object") return el("p", { class: "muted" }, "—");
  const flat = {};
  const parts = [];
  for (const [k, v] of Object.entries(obj)) {
    if (skip.includes(k)) continue;
    if (Array.isArray(v) && v.some((x) => x !== null && typeof x === "object")) {
      parts.push(el("h3", {}, k.replaceAll("_", " ")), autoTable(v));
    } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      parts.push(el("h3", {}, k.replaceAll("_", " ")), recordView(v));
    } else {
      flat[k] = v;
    }
  }
  const format = Object.fromEntries(Object.keys(flat).map((k) => [k, (x) => linkByKey(k, x) ?? byKey(k, x)]));
  return el("div", { class: "record" }, Object.keys(flat).length ? fields(flat, {}, format) : null, parts);
}
