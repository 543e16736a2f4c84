"""`fraudlink trace`: text, JSON with conserved totals (poison's as upper bounds), methods, an
unknown report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.ingest import ingest_paths
from fraudlink.store import Store


@pytest.fixture(scope="module")
def db(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trace-cli") / "store.duckdb"
    with Store(path) as store:
        ingest_paths(store, [tiny_world / "feeds"])
    return path


@pytest.fixture(scope="module")
def report(db: Path) -> str:
    with Store(db) as store:
        return str(store.arrow("select min(report_id) as r from report_payments")["r"][0])


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["trace", "--db", str(db), *args])
    return result.exit_code, result.output


def chinese_terms(text: str) -> list[str]:
    """The Chinese words of a text, in order."""
    return re.findall(r"[\u4e00-\u9fff]+", text)


def test_text(db: Path, report: str) -> None:
    code, out = run(db, "--report", report)
    assert code == 0, out
    assert f"fund control (资金查控), report {report}: money traced by fifo" in out
    assert "UTC+8" in out and "still in accounts:" in out and "left the ledger:" in out
    assert "\n1 " in out  # the victim's payment is hop 1


@pytest.mark.parametrize("method", ["fifo", "poison"])
def test_the_chinese_terms_appear_once_beside_their_english_names(
    db: Path, report: str, method: str
) -> None:
    code, out = run(db, "--report", report, "--method", method)
    assert code == 0, out
    assert chinese_terms(out) == ["资金查控", "一级卡", "二级卡"]  # the trail goes past hop 1
    assert "fund control (资金查控)" in out
    assert "hop 1 pays a first-level card (一级卡)" in out
    assert "second-level cards (二级卡)" in out
    code, out = run(db, "--report", report, "--hops", "1")
    assert chinese_terms(out) == ["资金查控", "一级卡"]  # no hop 2 shown, no second level named
    code, json_out = run(db, "--report", report, "--json")
    assert not chinese_terms(json_out)  # JSON keys and values are unchanged


@pytest.mark.parametrize("method", ["fifo", "pro_rata", "poison"])
def test_json_totals(db: Path, report: str, method: str) -> None:
    code, out = run(db, "--report", report, "--method", method, "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["method"] == method and doc["as_of"].endswith("+00:00")
    assert doc["trail"][0]["hop"] == 1 and isinstance(doc["trail"][0]["amount_fen"], int)
    t = doc["totals"]
    assert doc["upper_bounds"] == (method == "poison")
    if method != "poison":
        assert t["paid_fen"] == t["held_fen"] + t["cashed_out_fen"] + t["beyond_depth_fen"]
    else:  # upper bounds overlap, so each is capped at what was paid but they need not add up
        assert max(t["held_fen"], t["cashed_out_fen"], t["beyond_depth_fen"]) <= t["paid_fen"]


def test_poison_totals_read_as_upper_bounds(db: Path) -> None:
    with Store(db) as store:
        reports = store.arrow("select distinct report_id from report_payments order by 1")
    for r in reports["report_id"].to_pylist():
        code, out = run(db, "--report", r, "--method", "poison")
        assert code == 0, out
        if "no reported payment" in out:
            continue
        assert "poison upper bounds, which overlap and need not add up to it: held at most" in out
        doc = json.loads(run(db, "--report", r, "--method", "poison", "--json")[1])
        t = doc["totals"]
        assert max(t["held_fen"], t["cashed_out_fen"], t["beyond_depth_fen"]) <= t["paid_fen"]


def test_depth_limit(db: Path, report: str) -> None:
    code, out = run(db, "--report", report, "--hops", "1", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert {r["hop"] for r in doc["trail"]} == {1}


def test_unknown_report(db: Path) -> None:
    code, out = run(db, "--report", "R0")
    assert code == 1 and "no report R0" in out
