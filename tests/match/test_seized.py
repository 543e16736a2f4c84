"""The seized-evidence report against a hand computation in DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fraudlink.match.index import IndicatorIndex
from fraudlink.match.seized import seized_report
from fraudlink.store import Store

# Seized identifiers counted as known elsewhere: any indicator row not from this operation.
HAND = """
with items as (
  select distinct case item_kind when 'sim' then 'phone' when 'phone' then 'imei'
         else 'account' end as kind, identifier as value
  from seized_evidence where operation_id = $op and identifier is not null
    and item_kind in ('sim', 'bank_card', 'corporate_kit', 'usb_key', 'phone')),
other as (
  select 'phone' as kind, value, report_id, case_id from case_confirmations where kind = 'phone'
  union all select 'account', value, report_id, case_id from case_confirmations
    where kind = 'account'
  union all select kind, value, report_id, null from report_indicators
  union all select 'account', to_account, report_id, null from report_payments
  union all select kind, value, null, null from member_flags
  union all select case item_kind when 'sim' then 'phone' when 'phone' then 'imei'
         else 'account' end, identifier, null, null
    from seized_evidence where operation_id <> $op)
select i.kind, count(distinct i.value) as n, count(distinct o.value) as known,
       list(distinct o.report_id) filter (o.report_id is not null) as reports,
       list(distinct o.case_id) filter (o.case_id is not null) as cases
from items i left join other o using (kind, value) group by 1 order by 1
"""


@pytest.fixture
def store(tiny_db: Path, tmp_path: Path) -> Store:
    """A private copy of the tiny store in which two seized items are known elsewhere."""
    path = tmp_path / "store.duckdb"
    shutil.copy(tiny_db, path)
    s = Store(path)
    con = s.con
    op, sim = con.execute(
        "select operation_id, min(identifier) from seized_evidence where item_kind = 'sim'"
        " group by 1 order by 1 limit 1"
    ).fetchall()[0]
    card = con.execute(
        "select min(identifier) from seized_evidence where item_kind = 'bank_card' "
        "and operation_id = ?",
        [op],
    ).fetchall()[0][0]
    report = con.execute("select min(report_id) from victim_reports").fetchall()[0][0]
    con.execute(
        "insert into member_flags (flag_id, flagged_at, inst_id, kind, value, confidence, reason)"
        " values (9999, now(), 'CMCC', 'phone', ?, 0.8, 'simbox')",
        [sim],
    )
    con.execute(
        "insert into case_confirmations (case_id, report_id, confirmed_at, kind, value)"
        " values ('C-TEST', ?, now(), 'account', ?)",
        [report, card],
    )
    return s


def test_seized_report_matches_a_hand_count(store: Store) -> None:
    op = store.con.execute("select min(operation_id) from seized_evidence").fetchall()[0][0]
    rep = seized_report(store, IndicatorIndex.from_store(store), op)
    hand = store.con.execute(HAND.replace("$op", f"'{op}'")).fetchall()
    assert rep["kinds"] == {
        kind: {"identifiers": n, "known": known} for kind, n, known, _, _ in hand
    }
    assert sum(v["known"] for v in rep["kinds"].values()) >= 2
    hand_reports = sorted({r for *_, reports, _ in hand for r in reports or []})
    assert rep["reports"] == hand_reports and rep["reports"]
    assert rep["cases"] == sorted({c for *_, cases in hand for c in cases or []})
    assert "C-TEST" in rep["cases"]
    items = dict(
        store.con.execute(
            "select item_kind, count(*) from seized_evidence where operation_id = ? group by 1",
            [op],
        ).fetchall()
    )
    assert rep["items"] == items
    loss = store.con.execute(
        "select sum(claimed_loss_fen) from victim_reports where report_id in (select unnest(?))",
        [hand_reports],
    ).fetchall()[0][0]
    assert rep["loss_fen"] == loss > 0
    assert rep["known_by_source"].get("member:CMCC") == 1


def test_unknown_operation_is_refused(store: Store) -> None:
    with pytest.raises(LookupError, match="OP-none"):
        seized_report(store, IndicatorIndex(), "OP-none")
