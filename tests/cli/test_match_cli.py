"""`fraudlink match`: text, JSON, no match, a bad value, a report and an operation."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.ingest import ingest_paths
from fraudlink.store import Store


@pytest.fixture(scope="module")
def db(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("match-cli") / "store.duckdb"
    with Store(path) as store:
        ingest_paths(store, [tiny_world / "feeds"])
    return path


@pytest.fixture(scope="module")
def reported(db: Path) -> dict[str, Any]:
    """A reported fraud phone that a case confirmed, with its report."""
    with Store(db) as store:
        return store.arrow(
            """select i.value, i.report_id, c.case_id, c.confirmed_at from report_indicators i
               join case_confirmations c using (report_id, kind, value)
               where kind = 'phone' order by 2 limit 1"""
        ).to_pylist()[0]


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["match", "--db", str(db), *args])
    return result.exit_code, result.output


def test_text_shows_the_hits_in_china_time(db: Path, reported: dict[str, Any]) -> None:
    code, out = run(db, reported["value"])
    assert code == 0
    assert reported["report_id"] in out and reported["case_id"] in out
    assert "time (UTC+8)" in out
    china = reported["confirmed_at"].astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert china.strftime("%Y-%m-%d %H:%M") in out


def test_json_keeps_utc(db: Path, reported: dict[str, Any]) -> None:
    code, out = run(db, "--json", reported["value"])
    assert code == 0
    data = json.loads(out)
    case = next(h for h in data["hits"] if h["source"] == "case")
    assert case["time"] == reported["confirmed_at"].isoformat()
    assert case["time"].endswith("+00:00") and data["no_match"] == []


def test_unknown_identifier_is_no_match(db: Path) -> None:
    assert run(db, "13800000000") == (
        0,
        "rapid comparison (快速比对) of 1 value: 0 known, 1 no match\nno match: 13800000000\n",
    )


def chinese_terms(text: str) -> list[str]:
    """The Chinese words of a text, in order."""
    return re.findall(r"[\u4e00-\u9fff]+", text)


def test_each_answer_names_rapid_comparison_once(
    db: Path, reported: dict[str, Any], tmp_path: Path
) -> None:
    f = tmp_path / "values.txt"
    f.write_text(f"{reported['value']}\n13800000000\n", "utf-8")
    code, out = run(db, "--file", str(f))
    assert code == 0 and chinese_terms(out) == ["快速比对"]
    assert out.startswith("rapid comparison (快速比对) of 2 values: 1 known, 1 no match\n")
    report = reported["report_id"]
    code, out = run(db, "--report", report)
    assert code == 0 and out.startswith(f"rapid comparison (快速比对) of report {report}: ")
    # A report's answer also names its case cluster (串并案), once.
    assert chinese_terms(out) == ["快速比对", "串并案"]
    with Store(db) as store:
        op = store.arrow("select min(operation_id) as op from seized_evidence")["op"][0].as_py()
    code, out = run(db, "--operation", op)
    assert code == 0 and chinese_terms(out) == ["快速比对"]
    assert out.startswith(f"rapid comparison (快速比对) of operation {op}: ")
    code, out = run(db, "--json", reported["value"])
    assert code == 0 and not chinese_terms(out)  # JSON keeps its keys, adds no heading


def test_bad_value_is_named(db: Path) -> None:
    code, out = run(db, "not-a-number!")
    assert code != 0 and "not-a-number!" in out


def test_exactly_one_input(db: Path) -> None:
    assert run(db)[0] == 2
    assert run(db, "13800000000", "--report", "R1")[0] == 2


def test_file_report_and_operation(db: Path, reported: dict[str, Any], tmp_path: Path) -> None:
    f = tmp_path / "values.txt"
    f.write_text(f"# numbers\n{reported['value']}\n13800000000\n", "utf-8")
    code, out = run(db, "--file", str(f))
    assert code == 0 and reported["case_id"] in out and "no match: 13800000000" in out
    code, out = run(db, "--report", reported["report_id"], "--json")
    assert code == 0 and json.loads(out)["report_id"] == reported["report_id"]
    code, out = run(db, "--report", reported["report_id"])
    assert code == 0 and "records" in out
    with Store(db) as store:
        op = store.arrow("select min(operation_id) as op from seized_evidence")["op"][0].as_py()
    code, out = run(db, "--operation", op)
    assert code == 0 and "known elsewhere" in out
    assert run(db, "--operation", "OP-none")[0] == 1


def test_a_file_not_in_utf8_is_refused_naming_it(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "gbk.txt"
    f.write_bytes("13800000000\n诈骗号码\n".encode("gbk"))
    result = CliRunner().invoke(cli, ["match", "--db", str(db), "--file", str(f)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{f}: line 2: not UTF-8 text" in result.output


def test_a_bad_value_in_a_file_is_named_with_its_line(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "values.txt"
    f.write_text("# numbers\n13800000000\nnotanid\n\n13800000001\nbad-2\n", "utf-8")
    code, out = run(db, "--file", str(f))
    assert code == 1
    assert f"{f}: line 3: not an identifier: 'notanid'" in out
    assert f"{f}: line 6: not an identifier: 'bad-2'" in out
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n", "utf-8")
    code, out = run(db, "--file", str(empty))
    assert code == 1 and f"{empty}: no values" in out


def test_the_text_names_what_linked_a_case_cluster(db: Path) -> None:
    with Store(db) as store:
        reports = store.arrow("select report_id from victim_reports order by 1")
    for r in reports["report_id"].to_pylist():
        doc = json.loads(run(db, "--report", r, "--json")[1])
        if doc["evidence"]:
            break
    else:
        raise AssertionError("the tiny world links at least two reports into one case")
    code, out = run(db, "--report", r)
    a, b, node, _ = doc["evidence"][0]
    assert code == 0 and "linked by:" in out and node in out and a in out and b in out
