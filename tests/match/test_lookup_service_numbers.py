"""Rapid comparison finds reports by a spoofed service number, a 400/800 number or a landline.

A victim reports the "bank" that called from 95588, or a landline; `fraudlink match` in any
spelling of that number, with or without `--kind phone`, must find the report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.ingest import ingest_paths
from fraudlink.match.index import IndicatorIndex
from fraudlink.match.lookup import match_values
from fraudlink.store import Store

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
# Each report names one number, spelt as the desk typed it.
REPORTED = {"R1": "95588", "R2": "0755-8376 5566", "R3": "400 820 8820", "R4": "15094858694"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("service-numbers")
    reports = folder / "victim_reports.csv"
    reports.write_text(
        "report_id,reported_at,victim_idno,victim_msisdn,district,fraud_type,contact_channel,"
        "narrative,claimed_loss_fen\n"
        + "".join(
            f"{r},2026-03-0{i}T08:00:00Z,11010519491231002X,13812345678,450107,"
            f"fake_customer_service,call,对方自称银行客服,100000\n"
            for i, r in enumerate(REPORTED, start=1)
        ),
        "utf-8",
    )
    indicators = folder / "report_indicators.csv"
    indicators.write_text(
        "report_id,kind,value\n" + "".join(f"{r},phone,{v}\n" for r, v in REPORTED.items()),
        "utf-8",
    )
    path = folder / "store.duckdb"
    with Store(path) as store:
        report = ingest_paths(store, [reports, indicators], now=NOW)
        assert not report.errors
        assert report.feeds["report_indicators"].loaded == len(REPORTED)
    return path


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["match", "--db", str(db), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", [(), ("--kind", "phone")])
@pytest.mark.parametrize(
    ("query", "report_id"),
    [
        ("95588", "R1"),
        ("tel:95588", "R1"),
        ("400-820-8820", "R3"),
        ("4008208820", "R3"),
        ("0755-83765566", "R2"),
        ("075583765566", "R2"),
        ("+86 755 8376 5566", "R2"),
        ("15094858694", "R4"),
    ],
)
def test_match_finds_the_report_naming_the_number(
    db: Path, query: str, report_id: str, kind: tuple[str, ...]
) -> None:
    code, out = run(db, *kind, query)
    assert code == 0, out
    assert "1 known" in out and report_id in out
    others = set(REPORTED) - {report_id}
    assert not any(f" {r} " in out or out.rstrip().endswith(r) for r in others), out


def test_hits_carry_the_node_id_of_each_kind(db: Path) -> None:
    with Store(db) as store:
        index = IndicatorIndex.from_store(store)
    hits = match_values(index, ["95588", "075583765566", "4008208820", "150 9485 8694"])
    rows = hits.select(["report_id", "node_id"]).to_pylist()
    got = sorted((r["report_id"], r["node_id"]) for r in rows)
    assert got == [
        ("R1", "tel:95588"),
        ("R2", "tel:+8675583765566"),
        ("R3", "tel:+864008208820"),
        ("R4", "tel:+8615094858694"),
    ]


def test_a_four_digit_code_is_still_refused(db: Path) -> None:
    code, out = run(db, "9558")
    assert code != 0 and "not an identifier: '9558'" in out
