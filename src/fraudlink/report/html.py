"""The arena report as one self-contained HTML file: inline CSS and inline SVG, nothing fetched.

Centres run on closed networks, so the page carries no links, scripts, web fonts or remote
images; it opens the same from a USB stick as from a file share.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fraudlink.report.charts import (
    PALETTE,
    STOP,
    bar_chart,
    distribution_chart,
    e,
    money_trail_chart,
)
from fraudlink.report.results_table import (
    WARNING_GRADES,
    is_num,
    met_word,
    strategy_label,
    table_rows,
    target_lines,
    wan_yuan,
    world_line,
)

# The page's column: within a 1,280 px screen (with a scroll bar and the page's padding), and wide
# enough for a money trail of five columns (victim, three card tiers, cash-out) at its own size.
COLUMN_PX = 1160

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
  "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: #263238; margin: 2rem auto;
  max-width: COLUMNpx; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #cfd8dc; }
.world, .note, .empty { color: #546e7a; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #eceff1; vertical-align: top; }
thead th { text-align: right; border-bottom: 2px solid #90a4ae; }
thead th:first-child, td.label, th.section { text-align: left; }
th small { display: block; font-weight: normal; color: #607d8b; max-width: 13rem;
  margin-left: auto; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sub { padding-left: 1.8rem; color: #455a64; }
th.section { background: #eceff1; padding-top: .5rem; }
figure { margin: 1.2rem 0; }
figcaption { color: #546e7a; font-size: .9rem; margin-top: .3rem; }
.met { color: #2e7d32; font-weight: 600; }
.notmet { color: #c62828; font-weight: 600; }
table.assume td.label { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace;
  color: #455a64; }
/* Charts shrink to the column rather than make the reader scroll sideways. */
figure svg { max-width: 100%; height: auto; }
footer { margin-top: 3rem; color: #90a4ae; font-size: .85rem; }
""".replace("COLUMN", str(COLUMN_PX))

LOSS_COLOURS = (PALETTE[1], PALETTE[0], STOP)
GRADE_COLOURS = ("#c62828", "#ef6c00", "#f9a825")


def write_report(outcomes: dict[str, Any], extras: dict[str, Any], path: Path) -> Path:
    """Write the arena report to `path` as one self-contained HTML file and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(outcomes, extras), encoding="utf-8")
    return path


def render_report(outcomes: Mapping[str, Any], extras: Mapping[str, Any] | None = None) -> str:
    """The report's HTML text (what `write_report` writes)."""
    extras = extras or {}
    world: Mapping[str, Any] = outcomes.get("world") or {}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>fraudlink arena report</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Arena report: strategies compared (战果通报)</h1>",
    ]
    line = world_line(world)
    if line:
        parts.append(f'<p class="world">Simulated world: {e(line)}.</p>')
    parts.append(
        '<p class="note">Money in yuan (元), times in China time (UTC+8). Every strategy ran on '
        "the same simulated world.</p>"
    )
    parts.append("<h2>Results</h2>")
    parts.append(_results_html(outcomes))
    parts.append("<h2>Charts</h2>")
    parts.append(
        _figure(
            _loss_chart(outcomes),
            "Loss per strategy: prevented before payment, "
            "intercepted by stop-payment or freeze, and what was still lost "
            "(万元 = 10,000 yuan).",
            "No strategies to chart.",
        )
    )
    parts.append(
        _figure(
            _timeliness_chart(extras),
            "How soon the first order touched each "
            "victim's money after the first payment: dots are victims, the box the "
            "middle half, whiskers the 10th to 90th percentile, the red line the "
            "median.",
            "No timeliness figures in this run.",
        )
    )
    parts.append(
        _figure(
            _warnings_chart(outcomes),
            "Warnings issued per strategy, by grade.",
            "No warnings in this run.",
        )
    )
    parts.append(
        _figure(
            _trail_chart(extras),
            "One victim's money hop by hop. Account numbers "
            "are masked; a red box is an account stopped or frozen, with the time "
            "it happened. Point at a box or an arrow for its details in full.",
            "No money trail in this run.",
        )
    )
    parts.append(_targets_html(outcomes))
    parts.append(_assumptions_html(outcomes))
    if outcomes.get("detection"):
        parts.append(
            '<p class="note">Detection figures are in outcomes.json, under "detection".</p>'
        )
    parts.append(
        "<footer>Written by fraudlink. This file is self-contained: it loads nothing from "
        "anywhere.</footer>"
    )
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _figure(svg: str | None, caption: str, empty: str) -> str:
    if svg is None:
        return f'<p class="empty">{e(empty)}</p>'
    return f"<figure><div>{svg}</div><figcaption>{e(caption)}</figcaption></figure>"


def _results_html(outcomes: Mapping[str, Any]) -> str:
    names, rows = table_rows(outcomes)
    if not names:
        return '<p class="empty">No strategies in this run.</p>'
    head = "".join(f"<th>{e(n)}<small>{e(strategy_label(n))}</small></th>" for n in names)
    out = ["<table>", f"<thead><tr><th></th>{head}</tr></thead>", "<tbody>"]
    for r in rows:
        if r.heading:
            out.append(f'<tr><th class="section" colspan="{len(names) + 1}">{e(r.label)}</th></tr>')
            continue
        cls = "label sub" if r.level else "label"
        cells = "".join(f'<td class="num">{e(c)}</td>' for c in r.cells)
        out.append(f'<tr><td class="{cls}">{e(r.label)}</td>{cells}</tr>')
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _loss_chart(outcomes: Mapping[str, Any]) -> str | None:
    world: Mapping[str, Any] = outcomes.get("world") or {}
    strategies: Mapping[str, Mapping[str, Any]] = outcomes.get("strategies") or {}
    if not strategies:
        return None
    names = list(strategies)
    prevented = [_num(strategies[n].get("prevented_fen")) for n in names]
    intercepted = [_num(strategies[n].get("intercepted_fen")) for n in names]
    lost = []
    for n, p, i in zip(names, prevented, intercepted, strict=True):
        s = strategies[n]
        if is_num(s.get("loss_fen")):
            lost.append(_num(s["loss_fen"]))
        else:
            lost.append(max(_num(world.get("fraud_loss_fen")) - p - i, 0.0))
    return bar_chart(
        names,
        [
            ("prevented", prevented),
            ("intercepted", intercepted),
            ("still lost", lost),
        ],
        title="Fraud loss per strategy",
        stacked=True,
        horizontal=True,
        value_format=lambda v: wan_yuan(v),
        axis_format=lambda v: wan_yuan(v, 0),
        colors=LOSS_COLOURS,
    )


def _warnings_chart(outcomes: Mapping[str, Any]) -> str | None:
    strategies: Mapping[str, Mapping[str, Any]] = outcomes.get("strategies") or {}
    if not strategies:
        return None
    names = list(strategies)
    series = [
        (f"{g} grade", [_num((strategies[n].get("warnings") or {}).get(g)) for n in names])
        for g in WARNING_GRADES
    ]
    return bar_chart(
        names,
        series,
        title="Warnings by grade",
        stacked=False,
        horizontal=False,
        value_format=lambda v: f"{v:,.0f}",
        colors=GRADE_COLOURS,
    )


def _timeliness_chart(extras: Mapping[str, Any]) -> str | None:
    groups = extras.get("timeliness") or {}
    if not isinstance(groups, Mapping) or not any(groups.values()):
        return None
    return distribution_chart(
        {str(k): list(v or []) for k, v in groups.items()},
        title="Minutes from a victim's first payment to the first order on their money",
    )


def _trail_chart(extras: Mapping[str, Any]) -> str | None:
    trail = extras.get("trail")
    if not isinstance(trail, Mapping) or not trail.get("hops"):
        return None
    return money_trail_chart(trail)


def _targets_html(outcomes: Mapping[str, Any]) -> str:
    groups = target_lines(outcomes)
    if not groups:
        return ""
    out = ["<h2>Targets</h2>"]
    for name, targets in groups:
        out.append(f"<h3>{e(name)}</h3>")
        out.append(
            "<table><thead><tr><th>target</th><th>aim</th><th>measured</th><th>verdict</th>"
            "</tr></thead><tbody>"
        )
        for t in targets:
            word = met_word(t)
            cls = {"MET": "met", "NOT MET": "notmet"}.get(word, "")
            out.append(
                f'<tr><td class="label">{e(t.get("name", "?"))}</td>'
                f'<td class="num">{e(t.get("target", ""))}</td>'
                f'<td class="num">{e(t.get("measured", ""))}</td>'
                f'<td class="{cls}">{e(word)}</td></tr>'
            )
        out.append("</tbody></table>")
    return "\n".join(out)


def _assumptions_html(outcomes: Mapping[str, Any]) -> str:
    assumptions = outcomes.get("assumptions")
    if not isinstance(assumptions, Mapping) or not assumptions:
        return ""
    out = [
        "<h2>Assumptions</h2>",
        '<p class="note">What the arena assumed: delays in minutes, probabilities from 0 to 1.</p>',
        '<table class="assume"><tbody>',
    ]
    _definitions(assumptions, [], out)
    out.append("</tbody></table>")
    return "\n".join(out)


def _definitions(d: Mapping[str, Any], path: list[str], out: list[str]) -> None:
    # Leaves first, then sub-groups, so each group's own figures sit under its heading.
    leaves = [(k, v) for k, v in d.items() if not isinstance(v, Mapping)]
    groups = [(k, v) for k, v in d.items() if isinstance(v, Mapping)]
    for k, v in leaves:
        out.append(f'<tr><td class="label">{e(k)}</td><td class="num">{e(_value(v))}</td></tr>')
    for k, v in groups:
        sub = [*path, str(k)]
        out.append(f'<tr><th class="section" colspan="2">{e(".".join(sub))}</th></tr>')
        _definitions(v, sub, out)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return ", ".join(_value(x) for x in v)
    return "" if v is None else str(v)


def _num(v: object) -> float:
    return float(v) if is_num(v) else 0.0
