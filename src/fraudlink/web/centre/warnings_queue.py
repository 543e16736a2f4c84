"""The warning queue (预警劝阻): warnings by grade, moved step by step through their lifecycle.

Warnings come from the engine's action log (`load_warnings`: the WARNING actions of
`ActionLog.table()` or of the arena's `actions-<strategy>.parquet`, loaded once each). The desk
then dispatches each one, records the hand-off and the feedback, and closes it with an outcome;
`fraudlink.warn.lifecycle.advance` decides which step is allowed, and every step is kept as a
`warning_events` row with who took it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from fraudlink.model.actions import KINDS, SCHEMA, WARNING
from fraudlink.store import Store
from fraudlink.warn.desk import CHANNELS, GRADES
from fraudlink.warn.lifecycle import STATES, LifecycleError, WarningCase, advance
from fraudlink.web.centre.clock import utc

Grade = Literal["high", "medium", "low"]
State = Literal["decided", "dispatched", "handed_off", "feedback", "closed"]
Outcome = Literal[
    "dissuaded", "already_dissuaded", "already_paid", "not_a_victim", "unreachable", "not_dissuaded"
]
ENGINE = "engine"  # the username on the first step of a loaded warning
_COLUMNS = ("warning_id, decided_at, person_id, msisdn, grade, channel, basis, evidence, state, "
            "outcome, updated_at")  # fmt: skip


class WarningEvent(BaseModel):
    """One step of a warning: the state it entered, when, by whom."""

    seq: int
    at: dt.datetime
    state: State
    outcome: Outcome | None
    username: str
    note: str | None


class WarningOut(BaseModel):
    """One warning in the queue, with the steps it may take next."""

    warning_id: str
    decided_at: dt.datetime
    person_id: str | None
    msisdn: str | None
    grade: Grade
    channel: str = Field(description="visit, call_96110 or sms_12381")
    basis: str
    evidence: dict[str, Any] = Field(description="summary (in words), addressee, report_ids")
    state: State
    outcome: Outcome | None
    updated_at: dt.datetime
    next: list[State] = Field(description="the states the lifecycle allows from here")
    events: list[WarningEvent] | None = Field(default=None, description="with one warning only")


class WarningMove(BaseModel):
    """A step of one warning: the state to enter, the outcome when closing, a note."""

    to: State
    outcome: Outcome | None = Field(default=None, validate_default=True,
                                    description="required when closing, and only then")
    note: str = Field(default="", max_length=2000)

    @field_validator("outcome")
    @classmethod
    def _outcome_exactly_when_closing(cls, v: str | None, info: ValidationInfo) -> str | None:
        # A missing or stray outcome is a bad request (422 on the field), not a lifecycle rule.
        to = info.data.get("to")
        if to == "closed" and v is None:
            raise ValueError("closing a warning needs an outcome")
        if to is not None and to != "closed" and v is not None:
            raise ValueError(f"an outcome goes only with closed, not with {to}")
        return v


def allowed_next(state: str) -> list[State]:
    """The states the lifecycle allows a warning in `state` to enter."""
    probe = WarningCase("probe", state)
    out: list[State] = []
    for to in STATES:
        try:
            advance(probe, to, dt.datetime.now(dt.UTC), "unreachable" if to == "closed" else None)
        except LifecycleError:
            continue
        out.append(to)  # type: ignore[arg-type]
    return out


def _out(row: tuple[Any, ...], events: list[WarningEvent] | None = None) -> WarningOut:
    rec = dict(zip([c.strip() for c in _COLUMNS.split(",")], row, strict=True))
    rec["evidence"] = json.loads(rec["evidence"]) if rec["evidence"] else {}
    return WarningOut(**rec, next=allowed_next(rec["state"]), events=events)


def list_warnings(con: duckdb.DuckDBPyConnection, grade: str | None = None,
                  state: str | None = None) -> list[WarningOut]:  # fmt: skip
    """The queue: open warnings first, then by grade (high first), oldest decision first."""
    rows = con.execute(
        f"select {_COLUMNS} from warning_queue where ($g::varchar is null or grade = $g) "
        "and ($s::varchar is null or state = $s) order by state = 'closed', "
        "case grade when 'high' then 0 when 'medium' then 1 else 2 end, decided_at, warning_id",
        {"g": grade, "s": state},
    ).fetchall()
    return [_out(r) for r in rows]


def events_of(con: duckdb.DuckDBPyConnection, warning_id: str) -> list[WarningEvent]:
    """Every step of one warning, first to last."""
    rows = con.execute(
        "select seq, \"at\", state, outcome, username, note from warning_events "
        "where warning_id = ? order by seq", [warning_id]).fetchall()  # fmt: skip
    return [WarningEvent(seq=s, at=t, state=st, outcome=o, username=u, note=n)
            for s, t, st, o, u, n in rows]  # fmt: skip


def get_warning(con: duckdb.DuckDBPyConnection, warning_id: str) -> WarningOut | None:
    """One warning with its steps, None when there is no such warning."""
    rows = con.execute(f"select {_COLUMNS} from warning_queue where warning_id = ?",
                       [warning_id]).fetchall()  # fmt: skip
    return _out(rows[0], events_of(con, warning_id)) if rows else None


def move_warning(store: Store, warning_id: str, move: WarningMove, username: str,
                 at: dt.datetime | None = None) -> WarningOut:  # fmt: skip
    """Take one step of a warning's lifecycle at `at` (default: the wall clock, or the warning's
    last step if later); LookupError if unknown, LifecycleError if not allowed.
    The caller holds the write lock."""
    with store.transaction() as con:
        found = get_warning(con, warning_id)
        if found is None:
            raise LookupError(f"no warning {warning_id}")
        steps = found.events or []
        last = max((e.at for e in steps), default=found.decided_at)
        when = utc(at) if at is not None else max(dt.datetime.now(dt.UTC), last)
        case = WarningCase(warning_id, found.state, tuple((e.state, e.at) for e in steps),
                           found.outcome)  # fmt: skip
        new = advance(case, move.to, when, move.outcome)
        con.execute(
            "update warning_queue set state = ?, outcome = ?, updated_at = ? where warning_id = ?",
            [new.state, new.outcome, when, warning_id],
        )
        con.execute(
            "insert into warning_events values (?, ?, ?, ?, ?, ?, ?)",
            [warning_id, len(steps) + 1, when, new.state, new.outcome, username,
             move.note or None],
        )  # fmt: skip
        moved = get_warning(con, warning_id)
    assert moved is not None
    return moved


class ActionLogError(ValueError):
    """An action log the queue cannot take: a missing or mistyped column, or a bad warning row
    (`row` is 1-based in the file, `field` the column at fault)."""

    def __init__(self, message: str, row: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.field = field


# The action-log columns a queued warning is made of (all in `fraudlink.model.actions.SCHEMA`).
NEEDED = ("action_id", "kind", "decided_at", "target", "msisdn", "addressee", "basis", "grade",
          "channel", "report_ids", "evidence")  # fmt: skip


def _castable(have: pa.DataType, want: pa.DataType) -> bool:
    if pa.types.is_null(have) or have == want:
        return True
    if pa.types.is_dictionary(have):
        return _castable(have.value_type, want)
    if pa.types.is_string(want):
        return pa.types.is_string(have) or pa.types.is_large_string(have)
    if pa.types.is_timestamp(want):
        # A time with no zone could be China time as well as UTC: reading it as UTC would shift
        # every warning by eight hours, so only zone-aware times are taken.
        return pa.types.is_timestamp(have) and have.tz is not None
    if pa.types.is_list(want):
        return (pa.types.is_list(have) or pa.types.is_large_list(have)) and _castable(
            have.value_type, want.value_type
        )
    return False


def _blank(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """True where a string is null or only spaces."""
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(col), ""), True)


def check_action_log(table: pa.Table) -> pa.Table:
    """The columns of `table` a warning needs, typed as `SCHEMA`; ActionLogError naming the
    missing columns, a mistyped one, or the first row (1-based) and field that is not a warning
    the queue can hold: kind one of the engine's kinds; on each warning an action_id, a time, a
    person (target), a basis, a grade (high, medium or low) and the channel the warning desk
    gives that grade (`fraudlink.warn.desk.CHANNELS`)."""
    missing = set(NEEDED) - set(table.column_names)
    if missing:
        raise ActionLogError(f"not an engine action log (no column {', '.join(sorted(missing))})")
    cols: dict[str, pa.ChunkedArray] = {}
    for name in NEEDED:
        want = SCHEMA.field(name).type
        col = table[name]
        if not _castable(col.type, want):
            raise ActionLogError(
                f"not an engine action log (column {name} is {col.type}, not {want})", field=name
            )
        try:
            cols[name] = col.cast(want, safe=not pa.types.is_timestamp(want))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ActionLogError(
                f"not an engine action log (column {name} is {col.type}, not {want}: {exc})",
                field=name,
            ) from exc
    clean = pa.table(cols)
    kind = cols["kind"]
    is_warning = pc.fill_null(pc.equal(kind, WARNING), False)
    grade = cols["grade"]
    want_channel: pa.ChunkedArray | pa.Array = pa.nulls(len(grade), pa.string())
    for g, ch in CHANNELS.items():  # the desk's channel for each grade, null for any other
        want_channel = pc.if_else(pc.fill_null(pc.equal(grade, g), False), ch, want_channel)
    checks: list[tuple[str, pa.ChunkedArray | pa.Array, str]] = [
        ("kind", pc.invert(pc.fill_null(pc.is_in(kind, pa.array(KINDS)), False)),
         f"not one of the engine's kinds ({', '.join(KINDS)})"),
        ("action_id", _blank(cols["action_id"]), "missing"),
        ("decided_at", pc.is_null(cols["decided_at"]), "missing"),
        ("target", _blank(cols["target"]), "a warning must name a person"),
        ("basis", pc.is_null(cols["basis"]), "missing"),
        ("grade", pc.invert(pc.fill_null(pc.is_in(grade, pa.array(GRADES)), False)),
         f"not one of {', '.join(reversed(GRADES))}"),
    ]  # fmt: skip
    # Judged only where the grade is one: a bad grade has no channel to match. A person with no
    # phone on record is visited whatever the grade (the desk's rule), so that is no fault.
    visited_no_phone = pc.fill_null(
        pc.and_(pc.is_null(cols["msisdn"]), pc.equal(cols["channel"], "visit")), False)
    checks.append(("channel", pc.and_(pc.is_valid(want_channel), pc.invert(pc.or_(pc.fill_null(
        pc.equal(cols["channel"], want_channel), False), visited_no_phone))),
        "the warning desk sends a {grade} warning by {want}, or a visit to someone with no "
        "phone"))  # fmt: skip
    masks = [bad if name == "kind" else pc.and_(is_warning, bad) for name, bad, _ in checks]
    any_bad = masks[0]
    for m in masks[1:]:
        any_bad = pc.or_(any_bad, m)
    row = pc.index(any_bad, True).as_py()
    if row < 0:
        return clean
    subst = {"grade": clean["grade"][row].as_py(), "want": want_channel[row].as_py()}
    at_fault = [(name, why) for (name, _, why), m in zip(checks, masks, strict=True)
                if m[row].as_py()]  # fmt: skip
    faults = [f"{name} {clean[name][row].as_py()!r} ({why.format(**subst)})"
              for name, why in at_fault]  # fmt: skip
    more = pc.sum(any_bad).as_py() - 1
    raise ActionLogError(
        f"not an engine action log: row {row + 1}: {'; '.join(faults)}"
        + (f"; and {more:,} more bad row(s)" if more else "") + "; nothing queued",
        row=row + 1, field=at_fault[0][0],
    )  # fmt: skip


def load_warnings(con: duckdb.DuckDBPyConnection, actions: pa.Table | Path | str) -> int:
    """Load the WARNING actions of an engine action log (`ActionLog.table()`, or the Parquet file
    the arena writes) into the queue as decided warnings; ones already there are skipped.
    All or nothing: a log `check_action_log` refuses raises ActionLogError (prefixed with the
    file's name when given a file) and queues nothing. Returns how many were added."""
    if isinstance(actions, Path | str):
        try:
            table = check_action_log(pq.read_table(actions))
        except ActionLogError as exc:
            raise ActionLogError(f"{actions}: {exc}", exc.row, exc.field) from exc
    else:
        table = check_action_log(actions)
    warnings = table.filter(pc.fill_null(pc.equal(table["kind"], WARNING), False))
    con.register("_loaded_actions", warnings)
    try:
        con.execute("begin transaction")
        try:
            before = con.execute("select count(*) from warning_queue").fetchall()[0][0]
            con.execute(
                """
                insert into warning_queue
                select action_id, decided_at, target, msisdn, grade, channel, basis,
                       to_json(struct_pack(summary := evidence, addressee := addressee,
                                           report_ids := report_ids))::varchar,
                       'decided', null, decided_at
                from (select * from _loaded_actions
                      qualify row_number() over (partition by action_id order by decided_at) = 1)
                where action_id not in (select warning_id from warning_queue)
                """
            )
            con.execute(
                """
                insert into warning_events
                select q.warning_id, 1, q.decided_at, 'decided', null, ?, q.basis
                from warning_queue q
                where q.warning_id in (select action_id from _loaded_actions)
                  and not exists (select 1 from warning_events e where e.warning_id = q.warning_id)
                """,
                [ENGINE],
            )
            added = con.execute("select count(*) from warning_queue").fetchall()[0][0] - before
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.unregister("_loaded_actions")
    return int(added)
