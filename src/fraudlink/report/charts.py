"""Charts as inline SVG strings, drawn in plain Python so the report needs nothing from outside.

Every function is pure and deterministic (same input, same bytes): coordinates are rounded to
one decimal and every ordering has a tie-break. All text goes through `html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fraudlink.model.enums import FRAUD_TYPES
from fraudlink.report.results_table import china, parse_time, yuan

FONT = (
    'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
)
MONO = 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace'
PALETTE = ("#1565c0", "#2e7d32", "#c62828", "#ef6c00", "#6a1b9a", "#00838f", "#9e9d24")
INK = "#263238"
GRID = "#cfd8dc"
MUTED = "#607d8b"
STOP = "#c62828"


def e(s: object) -> str:
    """Text made safe for SVG/HTML content and attribute values."""
    return html.escape(str(s), quote=True)


def _n(x: float) -> str:
    # One decimal is plenty for pixels and keeps the output byte-for-byte stable.
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _text_w(s: str, size: float) -> float:
    # No font metrics offline: an estimate good enough to keep labels from colliding.
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in s)


def _svg(width: float, height: float, body: list[str], label: str, standalone: bool) -> str:
    # Inline SVG in HTML5 needs no namespace; a file on its own does. Drawn at its own size, it
    # shrinks (viewBox, keeping its proportions) where the page or window is narrower.
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    return (
        f'<svg{ns} width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" style="max-width:100%;height:auto" '
        f'role="img" aria-label="{e(label)}" '
        f'font-family=\'{FONT}\' font-size="12" fill="{INK}">'
        f"<title>{e(label)}</title>" + "".join(body) + "</svg>"
    )


def _text(
    x: float,
    y: float,
    s: object,
    *,
    anchor: str = "start",
    size: float = 12,
    weight: str = "",
    fill: str = "",
    halo: bool = False,
    family: str = "",
) -> str:
    attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size != 12:
        attrs.append(f'font-size="{_n(size)}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if fill:
        attrs.append(f'fill="{fill}"')
    if family:
        attrs.append(f"font-family='{family}'")
    if halo:
        # A white outline under the glyphs keeps labels readable where they cross lines.
        attrs.append('stroke="#fff" stroke-width="3" paint-order="stroke"')
    return f"<text {' '.join(attrs)}>{e(s)}</text>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, extra: str = "") -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"{extra}/>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "", tip: str = "") -> str:
    head = f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"{extra}'
    return f"{head}><title>{e(tip)}</title></rect>" if tip else head + "/>"


def _legend(
    items: Sequence[tuple[str, str]], x0: float, y: float, width: float
) -> tuple[list[str], float]:
    """Colour swatches and names in rows; returns the parts and the y below them."""
    out: list[str] = []
    x = x0
    for name, colour in items:
        w = 14 + 6 + _text_w(name, 12) + 18
        if x > x0 and x + w > width:
            x, y = x0, y + 20
        out.append(_rect(x, y - 10, 12, 12, colour))
        out.append(_text(x + 18, y, name))
        x += w
    return out, y + 20


def nice_ticks(top: float, n: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least `top` (steps of 1, 2 or 5 times a power of ten)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    k = math.ceil(top / step - 1e-9)
    return [i * step for i in range(k + 1)]


def _plain(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str = "",
    stacked: bool = False,
    horizontal: bool = True,
    value_format: Callable[[float], str] = _plain,
    axis_format: Callable[[float], str] | None = None,
    colors: Sequence[str] | None = None,
    width: int = 760,
    standalone: bool = False,
) -> str:
    """Grouped or stacked bars, horizontal or vertical, with value labels and a legend, as SVG."""
    palette = list(colors or PALETTE)
    axis_format = axis_format or value_format
    ns = len(series)
    vals = [
        [max(float(s[1][i]) if i < len(s[1]) else 0.0, 0.0) for i in range(len(categories))]
        for s in series
    ]
    per_cat = [
        (sum(v[i] for v in vals) if stacked else max((v[i] for v in vals), default=0.0))
        for i in range(len(categories))
    ]
    ticks = nice_ticks(max(per_cat, default=0.0))
    top = ticks[-1]

    def colour(j: int) -> str:
        return palette[j % len(palette)]

    def tip(i: int, j: int) -> str:
        return f"{categories[i]}, {series[j][0]}: {value_format(vals[j][i])}"

    body: list[str] = []
    y = 8.0
    if title:
        body.append(_text(0, y + 14, title, size=14, weight="600"))
        y += 26
    legend, y = _legend([(name, colour(i)) for i, (name, _) in enumerate(series)], 0, y + 12, width)
    body += legend
    y += 4
    if horizontal:
        label_w = min(max((_text_w(c, 12) for c in categories), default=0.0) + 12, width * 0.35)
        right = 96.0
        x0, x1 = label_w, width - right
        band = 30.0 if stacked else 14.0 * ns + 12
        plot_top = y
        plot_h = band * len(categories) + 8
        scale = (x1 - x0) / top if top else 0.0
        for t in ticks:
            x = x0 + t * scale
            body.append(_line(x, plot_top, x, plot_top + plot_h, GRID))
            body.append(
                _text(
                    x, plot_top + plot_h + 14, axis_format(t), anchor="middle", size=10, fill=MUTED
                )
            )
        for i, cat in enumerate(categories):
            by = plot_top + 4 + i * band
            body.append(_text(x0 - 8, by + band / 2 + 4, cat, anchor="end"))
            if stacked:
                x = x0
                bh = band - 10
                for j in range(ns):
                    w = vals[j][i] * scale
                    if w <= 0:
                        continue
                    body.append(_rect(x, by + 5, w, bh, colour(j), tip=tip(i, j)))
                    lab = value_format(vals[j][i])
                    if _text_w(lab, 10) + 6 <= w:
                        body.append(
                            _text(
                                x + w / 2,
                                by + 5 + bh / 2 + 3.5,
                                lab,
                                anchor="middle",
                                size=10,
                                fill="#fff",
                            )
                        )
                    x += w
                body.append(_text(x + 4, by + band / 2 + 4, value_format(per_cat[i]), size=10))
            else:
                for j in range(ns):
                    w = vals[j][i] * scale
                    yy = by + 6 + j * 14
                    body.append(_rect(x0, yy, w, 12, colour(j), tip=tip(i, j)))
                    body.append(_text(x0 + w + 4, yy + 10, value_format(vals[j][i]), size=10))
        body.append(_line(x0, plot_top, x0, plot_top + plot_h, INK))
        height = plot_top + plot_h + 24
    else:
        axis_w = max((_text_w(axis_format(t), 10) for t in ticks), default=0.0) + 10
        x0, x1 = axis_w, float(width) - 8
        plot_top = y + 14  # room for value labels above the tallest bar
        plot_h = 220.0
        base = plot_top + plot_h
        scale = plot_h / top if top else 0.0
        for t in ticks:
            yy = base - t * scale
            body.append(_line(x0, yy, x1, yy, GRID))
            body.append(_text(x0 - 5, yy + 3.5, axis_format(t), anchor="end", size=10, fill=MUTED))
        band = (x1 - x0) / max(len(categories), 1)
        for i, cat in enumerate(categories):
            bx = x0 + i * band
            inner = band * 0.7
            body.append(_text(bx + band / 2, base + 16, cat, anchor="middle"))
            if stacked:
                yy = base
                for j in range(ns):
                    h = vals[j][i] * scale
                    if h <= 0:
                        continue
                    yy -= h
                    body.append(
                        _rect(bx + (band - inner) / 2, yy, inner, h, colour(j), tip=tip(i, j))
                    )
                    lab = value_format(vals[j][i])
                    if h >= 14 and _text_w(lab, 10) + 4 <= inner:
                        body.append(
                            _text(
                                bx + band / 2,
                                yy + h / 2 + 3.5,
                                lab,
                                anchor="middle",
                                size=10,
                                fill="#fff",
                            )
                        )
                body.append(
                    _text(bx + band / 2, yy - 4, value_format(per_cat[i]), anchor="middle", size=10)
                )
            else:
                bw = inner / max(ns, 1)
                for j in range(ns):
                    h = vals[j][i] * scale
                    xx = bx + (band - inner) / 2 + j * bw
                    body.append(_rect(xx + 1, base - h, bw - 2, h, colour(j), tip=tip(i, j)))
                    body.append(
                        _text(
                            xx + bw / 2,
                            base - h - 4,
                            value_format(vals[j][i]),
                            anchor="middle",
                            size=10,
                        )
                    )
        body.append(_line(x0, base, x1, base, INK))
        height = base + 28
    return _svg(width, height, body, title or "bar chart", standalone)


# Ticks of the timeliness axis: the spans a duty officer thinks in.
_TIME_TICKS: tuple[tuple[float, str], ...] = (
    (0, "0"),
    (1, "1 min"),
    (5, "5 min"),
    (15, "15 min"),
    (60, "1 h"),
    (240, "4 h"),
    (1440, "1 d"),
    (4320, "3 d"),
    (10080, "7 d"),
    (43200, "30 d"),
    (129600, "90 d"),
    (525600, "1 y"),
)


def duration(m: float) -> str:
    """Minutes as a short human span: 7.5 min, 2.3 h, 1.4 d."""
    if m < 60:
        return f"{m:.1f} min" if m < 10 else f"{m:.0f} min"
    if m < 1440:
        return f"{m / 60:.1f} h"
    return f"{m / 1440:.1f} d"


def quantile(sorted_vals: Sequence[float], q: float) -> float:
    """The q-quantile of already sorted values, by linear interpolation."""
    if not sorted_vals:
        raise ValueError("quantile of no values")
    pos = q * (len(sorted_vals) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def distribution_chart(
    groups: Mapping[str, Sequence[float]] | Sequence[tuple[str, Sequence[float]]],
    *,
    title: str = "",
    axis_label: str = "minutes from first payment to first order (log scale)",
    width: int = 760,
    max_dots: int = 400,
    standalone: bool = False,
) -> str:
    """Per group a dot strip, quartile box, 10th-90th whiskers and median on a log axis, as SVG."""
    items = list(groups.items()) if isinstance(groups, Mapping) else list(groups)
    data = [
        (str(name), sorted(max(float(v), 0.0) for v in vals if _finite(v))) for name, vals in items
    ]
    biggest = max((v[-1] for _, v in data if v), default=60.0)

    def t(m: float) -> float:
        return math.log10(1.0 + m)

    ticks = [tk for tk in _TIME_TICKS if tk[0] <= biggest]
    nxt = next((tk for tk in _TIME_TICKS if tk[0] > biggest), None)
    if nxt is not None:
        ticks.append(nxt)
    top = t(max(ticks[-1][0], biggest))
    body: list[str] = []
    y = 8.0
    if title:
        body.append(_text(0, y + 14, title, size=14, weight="600"))
        y += 26
    label_w = min(max((_text_w(n, 12) for n, _ in data), default=0.0) + 12, width * 0.3)
    right = 170.0
    x0, x1 = label_w, width - right
    row_h = 46.0
    plot_top = y + 8
    plot_h = row_h * max(len(data), 1)

    def x(m: float) -> float:
        return x0 + (x1 - x0) * t(m) / top

    for m, lab in ticks:
        xx = x(m)
        body.append(_line(xx, plot_top, xx, plot_top + plot_h, GRID))
        body.append(_text(xx, plot_top + plot_h + 14, lab, anchor="middle", size=10, fill=MUTED))
    body.append(
        _text(
            (x0 + x1) / 2, plot_top + plot_h + 30, axis_label, anchor="middle", size=11, fill=MUTED
        )
    )
    for i, (name, vals) in enumerate(data):
        cy = plot_top + row_h * i + row_h / 2
        body.append(_text(x0 - 8, cy + 4, name, anchor="end"))
        if not vals:
            body.append(
                _text(x0 + 6, cy + 4, "no orders touched a victim's money", size=11, fill=MUTED)
            )
            continue
        step = max(1, math.ceil(len(vals) / max_dots))
        for k, v in enumerate(vals[::step]):
            # Golden-ratio jitter: spread out, yet the same on every run.
            jy = ((k * 0.6180339887) % 1.0 - 0.5) * (row_h - 18)
            dot = f'<circle cx="{_n(x(v))}" cy="{_n(cy + jy)}" r="2.2" fill="{PALETTE[0]}"'
            body.append(dot + ' fill-opacity="0.35"/>')
        q1, med, q3 = (quantile(vals, q) for q in (0.25, 0.5, 0.75))
        p10, p90 = quantile(vals, 0.1), quantile(vals, 0.9)
        bh = 16.0
        body.append(_line(x(p10), cy, x(p90), cy, INK))
        for w in (p10, p90):
            body.append(_line(x(w), cy - 5, x(w), cy + 5, INK))
        box = f' fill-opacity="0.6" stroke="{INK}"'
        body.append(_rect(x(q1), cy - bh / 2, max(x(q3) - x(q1), 1), bh, "#fff", box))
        body.append(
            f'<line x1="{_n(x(med))}" y1="{_n(cy - bh / 2 - 3)}" x2="{_n(x(med))}" '
            f'y2="{_n(cy + bh / 2 + 3)}" stroke="{STOP}" stroke-width="3"><title>{e(name)}: median '
            f"{e(duration(med))}</title></line>"
        )
        body.append(_text(x1 + 10, cy, f"median {duration(med)}", size=11, weight="600"))
        body.append(
            _text(
                x1 + 10, cy + 14, f"n = {len(vals):,}; 90% by {duration(p90)}", size=10, fill=MUTED
            )
        )
    height = plot_top + plot_h + 40
    return _svg(width, height, body, title or "distribution", standalone)


def _finite(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def mask_account(acc: str) -> str:
    """An account number as shown on screen: first and last four digits, 6222****1234."""
    acc = str(acc)
    if len(acc) > 8:
        return f"{acc[:4]}****{acc[-4:]}"
    if len(acc) > 4:
        return f"****{acc[-4:]}"
    return "****"


@dataclass
class _Edge:
    src: str
    dst: str
    amount: int = 0
    transfers: int = 0
    first: str = ""


@dataclass
class _Node:
    key: str
    column: int
    label: str
    kind: str  # "account", "origin" or "cash"
    channel: str = ""
    inflow: int = 0
    first: str = ""  # earliest ISO time the money arrived, for ordering
    stopped_at: str = ""
    held: int = 0  # fen of the victim's money the stopped account holds at the end
    parents: list[str] = field(default_factory=list)
    row: int = 0
    y: float = 0.0
    h: float = 0.0
    ports: list[_Edge] = field(default_factory=list)  # incoming edges, top to bottom


# Five columns (victim, three card tiers, cash-out) must fit the report's 1,160 px column at
# their own size, so boxes are narrow and each gap is only as wide as its labels and curves.
_TRAIL_BOX_W = 144.0
_TRAIL_PAD = 7.0  # text inset from a box's left edge (and room kept on its right)
_TRAIL_PITCH = 18.0  # between two boxes of a column
_TRAIL_ARROW = 7.0
_TRAIL_CLEAR = 30.0  # between a source box and the widest label after it: room for the curves
_TRAIL_MIN_GAP = 60.0
_EDGE_SIZE = 10.0  # edge labels' font size
_EDGE_ABOVE = 15.0  # an edge's label block above its arrow: the amount
_EDGE_BELOW = 16.0  # ... and below it: the time
_EDGE_LINE = 14.0  # each further line below: the count of transfers
_EDGE_SPACE = 3.0  # between the label blocks of two arrows into one box
_NODE_HEAD = 16.0  # a box's first line (the account, 11 px)
_NODE_LINE = 14.0  # each further line (10 px)


def _wide_w(s: str, size: float, bold: bool = False) -> float:
    # Leans wide (DejaVu Sans, a common fallback, is among the widest fonts: 0.636 em a digit,
    # 0.696 em bold): here the estimate must leave room, not merely look balanced.
    latin = size * (0.68 if bold else 0.62)
    return sum(size if ord(ch) > 0x2E80 or ch == "…" else latin for ch in s)


def _fit(s: str, size: float, room: float, bold: bool = False) -> str:
    """The text, or as much of its start as fits `room` pixels followed by an ellipsis."""
    if _wide_w(s, size, bold) <= room:
        return s
    used = _wide_w("…", size, bold)
    for i, ch in enumerate(s):
        used += _wide_w(ch, size, bold)
        if used > room:
            return s[:i] + "…"
    return s


def _wrap(s: str, size: float, room: float, bold: bool = False) -> list[str]:
    """The text in lines of at most `room` pixels, broken at spaces (inside a word if need be)."""
    lines: list[str] = []
    line = ""
    for word in s.split():
        trial = f"{line} {word}" if line else word
        if _wide_w(trial, size, bold) <= room:
            line = trial
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if line and _wide_w(line + ch, size, bold) > room:
                lines.append(line)
                line = ""
            line += ch
    if line or not lines:
        lines.append(line)
    return lines


def money_trail_chart(
    trail: Mapping[str, Any], *, max_per_column: int = 20, standalone: bool = False
) -> str:
    """One victim's money hop by hop, left to right, with stopped accounts and cash-outs, as SVG.

    The hops are the money that moved (the arena's trail is the acted world's, so nothing leaves
    a stopped account after its stop); `held` lists what stopped accounts hold at the end.
    Labels never overlap: each arrow into a box gets its own band of the box's left edge, each
    gap is as wide as the labels in it, and text too long for its box is cut short with the
    whole in a tooltip. The drawing shrinks to its container rather than spill sideways."""
    nodes, edges = _trail_graph(trail)
    columns, hidden = _trail_columns(nodes, max_per_column)
    visible = {n.key for col in columns.values() for n in col}
    shown = [e_ for e_ in edges.values() if e_.src in visible and e_.dst in visible]
    for ed in sorted(shown, key=lambda x: (nodes[x.src].row, _sort_time(x.first), x.src)):
        nodes[ed.dst].ports.append(ed)

    ncols = max(columns, default=0) + 1
    xs = _column_xs(ncols, shown, nodes)
    width = max(xs[-1] + _TRAIL_BOX_W, 560.0)

    body: list[str] = []
    title = _trail_title(trail)
    y = 8.0
    for line in _wrap(title, 14, width, bold=True):
        body.append(_text(0, y + 14, line, size=14, weight="600"))
        y += 19
    y += 11
    legend = [
        ("stopped or frozen (止付/冻结), with the time and what it holds", "stop"),
        ("cash-out: the money left the banks", "cash"),
    ]
    x = 0.0
    for name, kind in legend:
        w = 18 + _wide_w(name, 12)
        if x > 0 and x + w > width:
            x, y = 0.0, y + 18
        if kind == "stop":
            body.append(_rect(x, y - 10, 12, 12, "#ffebee", f' stroke="{STOP}" stroke-width="2"'))
        else:
            dash = f' stroke="{MUTED}" stroke-dasharray="3 2"'
            body.append(_rect(x, y - 10, 12, 12, "#eceff1", dash))
        body.append(_text(x + 18, y, _fit(name, 12, width - x - 18)))
        x += w + 24
    y += 18
    body.append(
        _text(0, y, "Times are China time (UTC+8); amounts in yuan (元).", size=11, fill=MUTED)
    )
    y += 22

    for c in range(ncols):
        head = "Victim's account" if c == 0 else f"Hop {c}"
        body.append(
            _text(xs[c] + _TRAIL_BOX_W / 2, y, head, anchor="middle", weight="600", fill=MUTED)
        )
    top = y + 12
    bottom = top
    for c in range(ncols):
        yy = top
        for n in columns.get(c, []):
            n.h = max(_node_text_h(n) + 10, sum(_port_h(p) for p in n.ports) + 4, 30.0)
            n.y = yy
            yy += n.h + _TRAIL_PITCH
        if c in hidden:
            yy += 2 * _NODE_LINE
        bottom = max(bottom, yy)

    # Each sending box turns its curves in a lane of its own, the topmost furthest right, so
    # that curves fanning down from different boxes do not run together.
    senders: dict[int, list[_Node]] = {}
    for ed in shown:
        col = senders.setdefault(nodes[ed.dst].column, [])
        if nodes[ed.src] not in col:
            col.append(nodes[ed.src])
    lanes = {}
    for c, col in senders.items():
        col.sort(key=lambda n: (n.y, n.key))
        for i, n in enumerate(col):
            lanes[(c, n.key)] = (len(col) - i) / (len(col) + 1)
    drawn = [
        _trail_edge(ed, nodes, xs, lanes[(nodes[ed.dst].column, ed.src)])
        for ed in sorted(shown, key=lambda x: (nodes[x.dst].column, nodes[x.dst].row, x.src))
    ]
    body += [arrow for arrow, _ in drawn]
    body += [labels for _, labels in drawn]

    for c in range(ncols):
        for n in columns.get(c, []):
            body.append(_trail_node(n, xs[c]))
        if c in hidden:
            cnt, fen = hidden[c]
            yy = max((n.y + n.h for n in columns.get(c, [])), default=top) + 8
            room = _TRAIL_BOX_W
            for k, line in enumerate((f"+{cnt:,} more, not shown", f"{yuan(fen, symbol=True)} in")):
                body.append(
                    _text(
                        xs[c], yy + 10 + k * _NODE_LINE, _fit(line, 10, room), size=10, fill=MUTED
                    )
                )
    if not shown and not nodes:
        body.append(_text(0, top + 16, "No hops recorded for this victim.", fill=MUTED))
        bottom = top + 30
    return _svg(width + 2, bottom + 8, body, title, standalone)


def _trail_graph(trail: Mapping[str, Any]) -> tuple[dict[str, _Node], dict[tuple[str, str], _Edge]]:
    """The trail's accounts and cash-outs as boxes, and all money from one to another as an edge."""
    hops = sorted(
        (h for h in trail.get("hops") or [] if isinstance(h, Mapping)),
        key=lambda h: (
            _int(h.get("hop"), 1),
            str(h.get("time") or ""),
            str(h.get("from") or ""),
            str(h.get("to") or ""),
        ),
    )
    nodes: dict[str, _Node] = {}
    edges: dict[tuple[str, str], _Edge] = {}
    for h in hops:
        hop = max(_int(h.get("hop"), 1), 1)
        src = str(h.get("from") or "unknown")
        when = str(h.get("time") or "")
        amount = _int(h.get("amount_fen"), 0)
        if src not in nodes:
            nodes[src] = _Node(
                src, hop - 1, _account_label(src), "origin" if hop == 1 else "account", first=when
            )
        to = h.get("to")
        if to is None or to == "":
            dst = f"cash-out:{src}:{hop}"
            if dst not in nodes:
                nodes[dst] = _Node(
                    dst, hop, "Cash-out (取现)", "cash", str(h.get("channel") or ""), first=when
                )
        elif str(to).startswith("("):
            # A placeholder such as the arena's re-routed card is no one account: one box per
            # sender and hop, so it sits in its own column instead of pulling arrows backwards.
            dst = f"{to}:{src}:{hop}"
            if dst not in nodes:
                nodes[dst] = _Node(dst, hop, _account_label(str(to)), "account", first=when)
        else:
            dst = str(to)
            if dst not in nodes:
                nodes[dst] = _Node(dst, hop, _account_label(dst), "account", first=when)
        node = nodes[dst]
        node.inflow += amount
        node.first = _earlier(node.first, when)
        stopped = str(h.get("stopped_at") or "")
        if stopped and (not node.stopped_at or _sort_time(stopped) < _sort_time(node.stopped_at)):
            node.stopped_at = stopped
        if src not in node.parents:
            node.parents.append(src)
        edge = edges.setdefault((src, dst), _Edge(src, dst, first=when))
        edge.amount += amount
        edge.transfers += 1
        edge.first = _earlier(edge.first, when)

    for held in trail.get("held") or []:
        if isinstance(held, Mapping) and str(held.get("account") or "") in nodes:
            nodes[str(held["account"])].held += _int(held.get("amount_fen"), 0)
    return nodes, edges


def _trail_columns(
    nodes: dict[str, _Node], max_per_column: int
) -> tuple[dict[int, list[_Node]], dict[int, tuple[int, int]]]:
    """The boxes shown per column, top to bottom, and per column the (count, fen) left out."""
    columns: dict[int, list[_Node]] = {}
    for n in nodes.values():
        columns.setdefault(n.column, []).append(n)
    visible: set[str] = set()
    hidden: dict[int, tuple[int, int]] = {}  # column -> (accounts, fen) left out to keep it legible

    def order(n: _Node) -> tuple[int, float, str]:
        rows = [nodes[p].row for p in n.parents if p in visible]
        return (min(rows, default=10**9), _sort_time(n.first), n.key)

    def reached(n: _Node) -> bool:
        # Shown when money reaches it from a shown box; senders in its own or a later column
        # (money sent back, even to the victim) do not count, or they would hide it.
        before = [p for p in n.parents if nodes[p].column < n.column]
        return not before or any(p in visible for p in before)

    for c in sorted(columns):
        cands = [n for n in columns[c] if reached(n)]
        if len(cands) > max_per_column:
            cands = sorted(cands, key=lambda n: (-n.inflow, n.key))[:max_per_column]
        keep = sorted(cands, key=order)
        for i, n in enumerate(keep):
            n.row = i
            visible.add(n.key)
        dropped = [n for n in columns[c] if n.key not in visible]
        if dropped:
            hidden[c] = (len(dropped), sum(n.inflow for n in dropped))
        columns[c] = keep
    return columns, hidden


def _edge_lines(ed: _Edge) -> list[tuple[str, bool]]:
    """An arrow's labels, top to bottom (text, bold): amount, first time, count of transfers."""
    lines = [(yuan(ed.amount, symbol=True), True), (china(ed.first, "%m-%d %H:%M"), False)]
    if ed.transfers > 1:
        lines.append((f"{ed.transfers:,} transfers", False))
    return lines


def _port_h(ed: _Edge) -> float:
    return _EDGE_ABOVE + _EDGE_BELOW + _EDGE_LINE * (len(_edge_lines(ed)) - 2) + _EDGE_SPACE


def _column_xs(ncols: int, shown: Sequence[_Edge], nodes: Mapping[str, _Node]) -> list[float]:
    """Each column's left edge: each gap as wide as the widest label of the arrows crossing it."""
    label_w = [0.0] * ncols
    for ed in shown:
        c = nodes[ed.dst].column
        widest = max(_wide_w(s, _EDGE_SIZE, bold) for s, bold in _edge_lines(ed))
        label_w[c] = max(label_w[c], widest)
    # An arrow back into the victim's column (money returning to it) needs room on the left.
    xs = [label_w[0] + 3 + _TRAIL_ARROW + 4 if label_w[0] else 0.0]
    for c in range(1, ncols):
        gap = max(_TRAIL_MIN_GAP, label_w[c] + 3 + _TRAIL_ARROW + _TRAIL_CLEAR)
        xs.append(xs[-1] + _TRAIL_BOX_W + gap)
    return xs


def _trail_edge(
    ed: _Edge, nodes: Mapping[str, _Node], xs: Sequence[float], lane: float
) -> tuple[str, str]:
    """An arrow and, apart, its labels: drawn after every arrow, no line runs over a label.

    `lane` (0 to 1) is where in the gap the curve turns, one lane per sending box."""
    s, d = nodes[ed.src], nodes[ed.dst]
    x1 = xs[s.column] + _TRAIL_BOX_W
    y1 = s.y + s.h / 2
    x2 = xs[d.column] - _TRAIL_ARROW
    # The arrows' label blocks are stacked down the middle of the box's left edge.
    k = next(i for i, p in enumerate(d.ports) if p is ed)
    band = sum(_port_h(p) for p in d.ports)
    y2 = d.y + (d.h - band) / 2 + sum(_port_h(p) for p in d.ports[:k]) + _EDGE_ABOVE
    lines = _edge_lines(ed)
    if x2 > x1:
        # The curve bends before its own labels and runs level between the amount and the time.
        xl = max(x2 - 5 - max(_wide_w(t, _EDGE_SIZE, bold) for t, bold in lines), x1)
        mid = x1 + (xl - x1) * lane
        curve = (
            f"M{_n(x1)},{_n(y1)} C{_n(mid)},{_n(y1)} {_n(mid)},{_n(y2)} {_n(xl)},{_n(y2)} "
            f"L{_n(x2)},{_n(y2)}"
        )
    else:  # money sent back to a box in the same or an earlier column
        mid = x1 + 60
        curve = f"M{_n(x1)},{_n(y1)} C{_n(mid)},{_n(y1)} {_n(mid)},{_n(y2)} {_n(x2)},{_n(y2)}"
    colour = STOP if d.stopped_at else MUTED
    money = yuan(ed.amount, symbol=True)
    when = f"{china(ed.first)} (UTC+8)"
    if ed.transfers > 1:
        what = f"{ed.transfers:,} transfers, {money}, the first at {when}"
    else:
        what = f"{money} at {when}"
    tip = f"<title>{e(s.label)} → {e(d.label)}: {e(what)}</title>"
    arrow = (
        f"<g>{tip}"
        f'<path d="{curve}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
        f'<polygon points="{_n(x2)},{_n(y2 - 4)} {_n(x2 + _TRAIL_ARROW)},{_n(y2)} '
        f'{_n(x2)},{_n(y2 + 4)}" fill="{colour}"/></g>'
    )
    labels = [f"<g>{tip}"]
    for i, (text, bold) in enumerate(lines):
        ty = y2 - 4 if i == 0 else y2 + 11 + _EDGE_LINE * (i - 1)
        labels.append(
            _text(
                x2 - 3,
                ty,
                text,
                anchor="end",
                size=_EDGE_SIZE,
                weight="600" if bold else "",
                fill="" if bold else MUTED,
                halo=True,
            )
        )
    labels.append("</g>")
    return arrow, "".join(labels)


def _node_lines(n: _Node) -> list[tuple[str, bool, str]]:
    """A box's lines (text, bold, colour): the account or cash-out first, then its figures."""
    if n.kind == "cash":
        return [
            (n.label, True, INK),
            (n.channel or "cash-out", False, MUTED),
            (f"{yuan(n.inflow, symbol=True)} out", False, INK),
        ]
    money = "victim's account" if n.kind == "origin" else f"in {yuan(n.inflow, symbol=True)}"
    lines = [(n.label, True, INK), (money, False, MUTED)]
    if n.stopped_at:
        lines.append((f"stopped {china(n.stopped_at, '%m-%d %H:%M')}", True, STOP))
    if n.held:
        lines.append((f"holds {yuan(n.held, symbol=True)}", True, STOP))
    return lines


def _node_text_h(n: _Node) -> float:
    return _NODE_HEAD + _NODE_LINE * (len(_node_lines(n)) - 1)


def _trail_node(n: _Node, cx: float) -> str:
    if n.kind == "cash":
        fill, stroke, extra = "#eceff1", MUTED, ' stroke-dasharray="4 3"'
    elif n.stopped_at:
        fill, stroke, extra = "#ffebee", STOP, ' stroke-width="2"'
    else:
        fill, stroke, extra = "#fff", MUTED, ""
    lines = _node_lines(n)
    # The tooltip carries every line whole, should one be cut short to fit the box.
    tip = f"{n.label}: " + "; ".join(t for t, _, _ in lines[1:])
    if n.stopped_at:
        tip += f"; stopped or frozen {china(n.stopped_at)} (UTC+8)"
    parts = [
        f'<g><title>{e(tip)}</title><rect x="{_n(cx)}" y="{_n(n.y)}" width="{_n(_TRAIL_BOX_W)}" '
        f'height="{_n(n.h)}" rx="4" fill="{fill}" stroke="{stroke}"{extra}/>'
    ]
    room = _TRAIL_BOX_W - 2 * _TRAIL_PAD
    top = n.y + (n.h - _node_text_h(n)) / 2
    for i, (text, bold, colour) in enumerate(lines):
        size = 11.0 if i == 0 else 10.0
        ty = top + 12 if i == 0 else top + _NODE_HEAD + _NODE_LINE * (i - 1) + 11
        parts.append(
            _text(
                cx + _TRAIL_PAD,
                ty,
                _fit(text, size, room, bold),
                size=size,
                weight="600" if bold else "",
                fill=colour if colour != INK else "",
                family=MONO if i == 0 and n.kind != "cash" else "",
            )
        )
    parts.append("</g>")
    return "".join(parts)


def _trail_title(trail: Mapping[str, Any]) -> str:
    victim = trail.get("victim")
    title = f"Money trail of {victim}" if victim else "Money trail"
    ftype = trail.get("fraud_type")
    if ftype:
        zh = FRAUD_TYPES.get(str(ftype))
        title += f": {str(ftype).replace('_', ' ')}" + (f" ({zh})" if zh else "")
    bits = []
    if trail.get("episode_id") is not None and f"episode {trail['episode_id']}" not in title:
        bits.append(f"episode {trail['episode_id']}")
    if trail.get("strategy"):
        bits.append(f"strategy {trail['strategy']}")
    return title + (f" [{', '.join(bits)}]" if bits else "")


def _account_label(acc: str) -> str:
    """A masked account number; a placeholder such as the arena's re-routed card as it is."""
    if acc.startswith("("):
        return "re-routed card" if "re-routed" in acc else acc
    return mask_account(acc)


def _int(v: object, default: int) -> int:
    if isinstance(v, bool):
        return default
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v):
        return round(v)
    return default


def _earlier(a: str, b: str) -> str:
    if not a:
        return b
    if not b:
        return a
    return b if _sort_time(b) < _sort_time(a) else a


def _sort_time(s: str) -> float:
    t = parse_time(s)
    return t.timestamp() if t is not None else math.inf
