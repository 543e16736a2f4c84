"""The arena's results as an operation-results notice (战果通报): one column per strategy.

The rows are built once (`table_rows`) and drawn twice: as plain text here and as an HTML table
in `report.html`. Missing figures show as a dash rather than failing, so a partial
outcomes.json still prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from fraudlink.model.clock import CHINA

DASH = "–"

# What each arena strategy does, for the legend under the table; unknown names print as they are.
STRATEGY_LABELS: dict[str, str] = {
    "none": "no action by the centre (the baseline)",
    "first_level_on_report": "on a victim's report, freeze the accounts the victim paid into",
    "tracing_on_report": "on a victim's report, trace the money hop by hop and stop payment "
    "wherever it is, re-tracing for three days",
    "full": "tracing, plus rapid comparison, SIM and mule scores, number blocks, freezes of "
    "seized cards, target packages and early warning",
}

WARNING_GRADES = ("high", "medium", "low")
WARNING_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("dissuaded", "dissuaded (劝阻成功)"),
    ("already_dissuaded", "already dissuaded (by an earlier warning)"),
    ("already_paid", "already paid"),
    ("not_a_victim", "not a victim"),
    ("pending_target", "being groomed, pays after the period"),
    ("unreachable", "unreachable"),
    ("not_dissuaded", "reached, paid anyway"),
)
ORDER_KINDS: tuple[tuple[str, str], ...] = (
    ("stop_payment", "Stop-payment orders (止付)"),
    ("freeze", "Freezes (冻结)"),
    ("number_block", "Number blocks (封停号码)"),
    ("reverify", "Re-verification demands (二次实名核验)"),
    ("target_package", "Target packages"),
)


@dataclass(frozen=True)
class Row:
    """One line of the notice: a section heading (no cells) or a figure per strategy."""

    label: str
    cells: tuple[str, ...] = ()
    # 0 a main line, 1 a line under the one before ("of which"); headings have no cells.
    level: int = 0

    @property
    def heading(self) -> bool:
        """Whether this row is a section heading."""
        return not self.cells


def yuan(fen: object, symbol: bool = False) -> str:
    """Fen as yuan with thousands separators and 2 decimals (exact: integer arithmetic)."""
    if not isinstance(fen, int | float) or isinstance(fen, bool):
        return DASH
    n = round(fen)
    sign = "-" if n < 0 else ""
    whole, cents = divmod(abs(n), 100)
    return f"{sign}{'¥' if symbol else ''}{whole:,}.{cents:02d}"


def wan_yuan(fen: float, digits: int = 1) -> str:
    """Fen as 万元 (units of 10,000 yuan), for figures too large to read in yuan at a glance."""
    return f"{fen / 1_000_000:,.{digits}f} 万元"


def percent(part: object, whole: object) -> str:
    """part/whole as a percentage: 1 decimal, or 2 significant digits when under 0.1 %."""
    if not is_num(part) or not is_num(whole) or whole == 0:
        return DASH
    p = 100.0 * float(part) / float(whole)
    if p == 0:
        return "0.0%"
    if abs(p) < 0.1:
        return f"{p:.2g}%"
    return f"{p:.1f}%"


def count(n: object) -> str:
    """A count with thousands separators, or a dash when missing."""
    return f"{round(n):,}" if is_num(n) else DASH


def minutes(m: object) -> str:
    """Minutes with one decimal, or a dash when missing."""
    return f"{float(m):,.1f}" if is_num(m) else DASH


def parse_time(s: object) -> dt.datetime | None:
    """An ISO time from outcomes/extras as an aware datetime (naive read as UTC); None if absent."""
    if not isinstance(s, str) or not s:
        return None
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def china(s: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO time as China time (UTC+8); unparseable text comes back as it was."""
    t = parse_time(s)
    if t is None:
        return str(s) if s else ""
    return t.astimezone(CHINA).strftime(fmt)


def strategy_label(name: str) -> str:
    """What a strategy does, in a few words."""
    return STRATEGY_LABELS.get(name, name)


def world_line(world: Mapping[str, Any]) -> str:
    """The simulated world in one line: preset, seed, size, victims, loss and period."""
    parts = []
    if "preset" in world or "seed" in world:
        parts.append(f"{world.get('preset', '?')} preset, seed {world.get('seed', '?')}")
    sizes = [
        f"{count(world[k])} {k}" for k in ("persons", "accounts") if k in world and is_num(world[k])
    ]
    if sizes:
        parts.append(", ".join(sizes))
    if is_num(world.get("victims")):
        parts.append(f"{count(world['victims'])} victims")
    if is_num(world.get("fraud_loss_fen")):
        parts.append(f"fraud loss {yuan(world['fraud_loss_fen'])} 元")
    when = []
    if is_num(world.get("days")):
        when.append(f"{count(world['days'])} days")
    if world.get("start"):
        when.append(f"from {china(world['start'])} (UTC+8)")
    if when:
        parts.append(" ".join(when))
    return "; ".join(parts)


def table_rows(outcomes: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    """The strategy names (columns, in the order given) and the rows of the notice."""
    world: Mapping[str, Any] = outcomes.get("world") or {}
    strategies: Mapping[str, Mapping[str, Any]] = outcomes.get("strategies") or {}
    names = list(strategies)
    cols = [strategies[n] or {} for n in names]
    loss = world.get("fraud_loss_fen")
    victims = world.get("victims")

    def each(fn: Any) -> tuple[str, ...]:
        return tuple(fn(s) for s in cols)

    def sub(key: str, inner: str) -> Any:
        return lambda s: (s.get(key) or {}).get(inner)

    def total(key: str) -> Any:
        def f(s: Mapping[str, Any]) -> object:
            vals = list((s.get(key) or {}).values())
            return sum(vals) if vals and all(is_num(v) for v in vals) else None

        return f

    def still_lost(s: Mapping[str, Any]) -> object:
        if is_num(s.get("loss_fen")):
            return s["loss_fen"]
        a, b = s.get("prevented_fen"), s.get("intercepted_fen")
        return loss - a - b if is_num(loss) and is_num(a) and is_num(b) else None

    def stopped_share(s: Mapping[str, Any]) -> str:
        a, b = s.get("prevented_fen"), s.get("intercepted_fen")
        return percent(a + b, loss) if is_num(a) and is_num(b) else DASH

    def with_share(key: str, whole: object) -> Any:
        def f(s: Mapping[str, Any]) -> str:
            n = s.get(key)
            return f"{count(n)} ({percent(n, whole)})" if is_num(n) and is_num(whole) else count(n)

        return f

    def phone_sms(s: Mapping[str, Any]) -> str:
        x, y = s.get("phone_sms_victims_warned_before_first_payment"), s.get("phone_sms_victims")
        if not is_num(x):
            return DASH
        return f"{count(x)} of {count(y)} ({percent(x, y)})" if is_num(y) else count(x)

    innocent_acc = world.get("innocent_accounts")
    innocent_per = world.get("innocent_persons")
    of_acc = f" (% of {count(innocent_acc)})" if is_num(innocent_acc) else ""
    of_per = f" (% of {count(innocent_per)})" if is_num(innocent_per) else ""
    of_vic = f" (of {count(victims)})" if is_num(victims) else ""

    rows = [
        Row("Money (元)"),
        Row("Fraud loss in the world (涉诈损失)", tuple(yuan(loss) for _ in cols)),
        Row("Loss prevented (劝阻止损)", each(lambda s: yuan(s.get("prevented_fen")))),
        Row("Intercepted (止付冻结拦截)", each(lambda s: yuan(s.get("intercepted_fen")))),
        Row("Prevented or intercepted, % of loss", each(stopped_share)),
        Row("Loss that still happened", each(lambda s: yuan(still_lost(s)))),
        Row("Returned to victims (返还)", each(lambda s: yuan(s.get("returned_fen")))),
        Row(
            "of which to the right victim",
            each(lambda s: yuan(s.get("returned_to_right_victim_fen"))),
            1,
        ),
        Row("Early warning (预警劝阻)"),
        Row(
            f"Victims warned before first payment{of_vic}",
            each(with_share("victims_warned_before_first_payment", victims)),
        ),
        Row("phone/SMS victims warned before first payment", each(phone_sms), 1),
        Row(
            "Warned while groomed (paying after period)",
            each(lambda s: count(s.get("targets_not_yet_paid_warned"))),
        ),
        Row("Warnings issued (预警)", each(lambda s: count(total("warnings")(s)))),
        *(
            Row(f"{g} grade", each(lambda s, g=g: count(sub("warnings", g)(s))), 1)
            for g in WARNING_GRADES
        ),
        Row("Warning outcomes", each(lambda s: count(total("warning_outcomes")(s)))),
        *(
            Row(label, each(lambda s, k=k: count(sub("warning_outcomes", k)(s))), 1)
            for k, label in WARNING_OUTCOMES
        ),
        Row("Orders (指令)"),
        *(Row(label, each(lambda s, k=k: count(sub("orders", k)(s)))) for k, label in ORDER_KINDS),
        Row("Cost to the innocent"),
        Row(
            f"Innocent accounts stopped{of_acc}",
            each(with_share("innocent_accounts_stopped", innocent_acc)),
        ),
        Row(
            f"Innocent persons warned{of_per}",
            each(with_share("innocent_persons_warned", innocent_per)),
        ),
        Row("Innocent SIMs blocked", each(lambda s: count(s.get("innocent_sims_blocked")))),
        Row(
            "Victims' money held on innocent accounts",
            each(lambda s: yuan(s.get("held_on_innocent_fen"))),
        ),
        Row("Speed"),
        Row(
            "Median minutes, first payment to first order",
            each(lambda s: minutes(s.get("median_minutes_first_payment_to_first_order"))),
        ),
        Row(
            "over reported victims whose money an order held",
            each(lambda s: count(s.get("reported_victims_held_by_an_order"))),
            1,
        ),
    ]
    return names, rows


def target_lines(outcomes: Mapping[str, Any]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Each strategy's targets, in the order given, skipping strategies with none."""
    targets: Mapping[str, Any] = outcomes.get("targets") or {}
    return [(name, list(ts)) for name, ts in targets.items() if ts]


def met_word(target: Mapping[str, Any]) -> str:
    """MET, NOT MET, or UNKNOWN when the arena did not say."""
    met = target.get("met")
    if met is None:
        return "UNKNOWN"
    return "MET" if met else "NOT MET"


def results_table(outcomes: dict[str, Any]) -> str:
    """The arena's outcomes as a plain-text notice: strategies side by side, then the targets."""
    world: Mapping[str, Any] = outcomes.get("world") or {}
    names, rows = table_rows(outcomes)
    out = ["Arena results by strategy (战果通报)"]
    line = world_line(world)
    if line:
        out.append(f"World: {line}")
    out.append("")
    out.append(_render(names, rows))
    if names:
        out.append("")
        out.append("Strategies:")
        width = max(_width(n) for n in names)
        out.extend(f"  {_pad(n, width)}  {strategy_label(n)}" for n in names)
    groups = target_lines(outcomes)
    if groups:
        out.append("")
        out.append("Targets")
        for name, targets in groups:
            out.append(f"  {name}:")
            for t in targets:
                word = met_word(t)
                out.append(
                    f"    {word:<8} {t.get('name', '?')}: measured {t.get('measured', DASH)} "
                    f"(target {t.get('target', DASH)})"
                )
    return "\n".join(out) + "\n"


def _render(names: Sequence[str], rows: Sequence[Row]) -> str:
    labels = [("  " * r.level) + r.label for r in rows]
    label_w = max([_width(lb) for lb in labels if lb] + [0])
    widths = [
        max([_width(n)] + [_width(r.cells[i]) for r in rows if not r.heading])
        for i, n in enumerate(names)
    ]
    head = "  ".join(
        [_pad("", label_w), *(_pad(n, w, right=True) for n, w in zip(names, widths, strict=True))]
    )
    lines = [head.rstrip(), "-" * (label_w + sum(w + 2 for w in widths))]
    for r, lb in zip(rows, labels, strict=True):
        if r.heading:
            lines.append(lb)
            continue
        cells = (_pad(c, w, right=True) for c, w in zip(r.cells, widths, strict=True))
        lines.append("  ".join([_pad(lb, label_w), *cells]).rstrip())
    return "\n".join(lines)


def _pad(s: str, width: int, right: bool = False) -> str:
    fill = " " * max(width - _width(s), 0)
    return fill + s if right else s + fill


def _width(s: str) -> int:
    # Terminals give CJK characters two columns; without this the Chinese labels skew the table.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def is_num(v: object) -> TypeGuard[int | float]:
    """Whether a figure is a number (booleans are not)."""
    return isinstance(v, int | float) and not isinstance(v, bool)
