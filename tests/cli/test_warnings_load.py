"""`fraudlink warnings load` refuses, whole, a file the warning queue cannot hold: it names the
file, the row (1-based) and the field, exits 1 without a traceback and queues nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.model.actions import FREEZE, SCHEMA, WARNING, Action, ActionLog
from fraudlink.store import Store
from fraudlink.web.centre.warnings_queue import (
    ActionLogError,
    check_action_log,
    list_warnings,
    load_warnings,
)

T = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _log() -> pa.Table:
    """Row 1 a freeze, rows 2-4 warnings (high, medium, low) as the desk decides them."""
    log = ActionLog()
    log.extend([
        Action(FREEZE, T, "6222000000000001", "account", "B01", "trace", "{}"),
        Action(WARNING, T, "P1", "idno", "police station", "paid a flagged account", "paid",
               grade="high", channel="visit", msisdn="13800000001"),
        Action(WARNING, T + timedelta(minutes=1), "P2", "idno", "96110 desk", "long call",
               "called", grade="medium", channel="call_96110", msisdn="13800000002"),
        Action(WARNING, T + timedelta(minutes=2), "P3", "idno", "12381 platform", "sms",
               "texted", grade="low", channel="sms_12381", msisdn=None),
    ])  # fmt: skip
    table = log.table()
    assert table.schema == SCHEMA
    return table


def _with(table: pa.Table, row: int, **values: Any) -> pa.Table:
    """`table` with the fields of 1-based `row` set to `values`."""
    for name, value in values.items():
        col = table[name].to_pylist()
        col[row - 1] = value
        table = table.set_column(table.schema.get_field_index(name), name,
                                 pa.array(col, table.schema.field(name).type))  # fmt: skip
    return table


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "q.duckdb"
    Store(path).close()
    return path


def _load(db: Path, path: Path) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["warnings", "load", "--db", str(db), "--actions", str(path)])
    # A refusal is a ClickException (SystemExit 1), never an escaped exception's traceback.
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    assert "Traceback" not in r.output
    return r.exit_code, r.output


def _refused(db: Path, path: Path, *words: str) -> str:
    code, out = _load(db, path)
    assert code == 1, out
    for w in (str(path), "nothing queued", *words):
        assert w in out, out
    with Store(db) as s:
        assert s.count("warning_queue") == 0 and s.count("warning_events") == 0
        assert list_warnings(s.con) == []
    return out


def test_a_file_with_only_the_five_old_columns_names_the_missing_ones(
    tmp_path: Path, db: Path
) -> None:
    path = tmp_path / "five.parquet"
    pq.write_table(_log().select(["action_id", "kind", "decided_at", "grade", "channel"]), path)
    code, out = _load(db, path)
    assert code == 1, out
    assert f"{path}: not an engine action log (no column " in out
    for col in ("addressee", "basis", "evidence", "msisdn", "report_ids", "target"):
        assert col in out
    with Store(db) as s:
        assert s.count("warning_queue") == 0


def test_a_null_grade_is_refused_naming_row_and_field(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "null-grade.parquet"
    pq.write_table(_with(_log(), 3, grade=None), path)
    _refused(db, path, "row 3: grade None", "not one of high, medium, low")


def test_an_unknown_grade_and_channel_without_a_person_is_refused_and_the_queue_stays_readable(
    tmp_path: Path, db: Path
) -> None:
    path = tmp_path / "urgent.parquet"
    pq.write_table(_with(_log(), 2, grade="urgent", channel="carrier_pigeon", target=None,
                         msisdn=None), path)  # fmt: skip
    out = _refused(db, path, "row 2:", "target None", "a warning must name a person",
                   "grade 'urgent'")  # fmt: skip
    assert "; and" not in out  # only one bad row
    # The good file loads afterwards, and the queue reads.
    good = tmp_path / "good.parquet"
    pq.write_table(_log(), good)
    code, out = _load(db, good)
    assert code == 0 and "queued 3 new warnings" in out, out
    with Store(db) as s:
        assert [w.channel for w in list_warnings(s.con)] == ["visit", "call_96110", "sms_12381"]


def test_a_channel_the_desk_does_not_give_the_grade_is_refused(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "pigeon.parquet"
    pq.write_table(_with(_log(), 2, channel="carrier_pigeon"), path)
    _refused(db, path, "row 2: channel 'carrier_pigeon'", "sends a high warning by visit")
    swapped = tmp_path / "swapped.parquet"  # a real channel, but another grade's
    pq.write_table(_with(_log(), 4, channel="visit", msisdn="13800000004"), swapped)
    _refused(db, swapped, "row 4: channel 'visit'", "sends a low warning by sms_12381")


def test_a_person_with_no_phone_is_visited_whatever_the_grade(tmp_path: Path, db: Path) -> None:
    """The desk visits someone no call or SMS can reach; the log of such a visit loads."""
    path = tmp_path / "no-phone.parquet"
    pq.write_table(_with(_log(), 4, channel="visit", msisdn=None), path)
    code, out = _load(db, path)
    assert code == 0, out
    with Store(db) as s:
        assert [w.channel for w in list_warnings(s.con)].count("visit") == 2


@pytest.mark.parametrize(
    ("row", "values", "words"),
    [
        (3, {"target": ""}, ("row 3: target ''", "must name a person")),
        (2, {"kind": None}, ("row 2: kind None",)),
        (1, {"kind": "Warning"}, ("row 1: kind 'Warning'", "not one of the engine's kinds")),
        (4, {"decided_at": None}, ("row 4: decided_at None",)),
        (2, {"action_id": None}, ("row 2: action_id None",)),
        (3, {"basis": None}, ("row 3: basis None",)),
    ],
)
def test_a_warning_missing_what_the_queue_needs_is_refused(
    tmp_path: Path, db: Path, row: int, values: dict[str, Any], words: tuple[str, ...]
) -> None:
    path = tmp_path / "bad.parquet"
    pq.write_table(_with(_log(), row, **values), path)
    _refused(db, path, *words)


def test_all_or_nothing_and_every_bad_row_counted(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "late.parquet"  # rows 2 and 3 are good; 4 is not, and nothing is queued
    pq.write_table(_with(_with(_log(), 4, grade="urgent"), 3, channel=None), path)
    _refused(db, path, "row 3: channel None", "; and 1 more bad row(s)")


def test_a_mistyped_column_is_refused(tmp_path: Path, db: Path) -> None:
    table = _log()
    path = tmp_path / "typed.parquet"
    i = table.schema.get_field_index("decided_at")
    as_text = pa.array([str(v) for v in table["decided_at"].to_pylist()])
    pq.write_table(table.set_column(i, "decided_at", as_text), path)
    code, out = _load(db, path)
    assert code == 1 and f"{path}: not an engine action log (column decided_at is string" in out


def test_other_kinds_are_skipped_and_a_second_load_adds_nothing(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "actions-full.parquet"
    pq.write_table(_log(), path)
    assert _load(db, path) == (0, f"queued 3 new warnings from {path} (3 in the queue)\n")
    assert _load(db, path) == (0, f"queued 0 new warnings from {path} (3 in the queue)\n")


def test_load_warnings_itself_refuses_with_the_file_row_and_field(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "bad.parquet"
    pq.write_table(_with(_log(), 3, grade="urgent"), path)
    with Store(db) as s:
        with pytest.raises(ActionLogError, match=rf"^{path}: .*row 3: grade 'urgent'") as exc:
            load_warnings(s.con, path)
        assert (exc.value.row, exc.value.field) == (3, "grade")
        with pytest.raises(ActionLogError, match="row 3: grade 'urgent'"):
            load_warnings(s.con, _with(_log(), 3, grade="urgent"))
        pigeon = _with(_log(), 2, channel="carrier_pigeon")
        pq.write_table(pigeon, path)
        with pytest.raises(ActionLogError, match=rf"^{path}: .*row 2: channel 'carrier_pigeon'"):
            load_warnings(s.con, path)
        with pytest.raises(ActionLogError, match="row 2: channel 'carrier_pigeon'"):
            load_warnings(s.con, pigeon)
        with pytest.raises(ActionLogError, match="row 2: channel None"):  # the queue needs one
            load_warnings(s.con, _with(_log(), 2, channel=None))
        assert s.count("warning_queue") == 0


def test_a_decision_time_without_a_zone_is_refused() -> None:
    """A naive time could be China time or UTC: it is refused, not read as UTC."""
    row = {n: None for n in SCHEMA.names} | {
        "action_id": "W-1", "kind": "warning", "decided_at": datetime(2026, 3, 1, 8),
        "target": "110101199001011234", "basis": "b", "grade": "high", "channel": "visit",
    }  # fmt: skip
    schema = SCHEMA.set(SCHEMA.get_field_index("decided_at"), pa.field("decided_at",
                                                                       pa.timestamp("us")))
    table = pa.Table.from_pylist([row], schema=schema)
    with pytest.raises(ActionLogError, match="decided_at"):
        check_action_log(table)
