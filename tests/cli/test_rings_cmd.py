"""`fraudlink rings`: the ranked table, JSON, target packages on disk, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner

from fraudlink.cli.main import cli

if TYPE_CHECKING:
    from conftest import RingMarket


AS_OF = "2026-03-03T00:00:00+00:00"


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["rings", *args])
    return res.exit_code, res.output


def test_table_and_packages(ring_market: RingMarket, tmp_path: Path) -> None:
    out = tmp_path / "pk"
    code, text = run("--db", str(ring_market.path), "--as-of", AS_OF, "--out", str(out))
    assert code == 0, text
    assert "card_ring" in text and "laundering_group" in text and "2 target packages" in text
    files = sorted(p.name for p in out.iterdir())
    assert files == ["ring-1.json", "ring-2.json"]
    pkg = json.loads((out / "ring-1.json").read_text("utf-8"))
    assert {m["value"] for m in pkg["cards"]} == {"A1", "A2", "A3", "A4"}


def test_the_chinese_terms_appear_once_beside_their_english_names(
    ring_market: RingMarket,
) -> None:
    code, text = run("--db", str(ring_market.path), "--as-of", AS_OF)
    assert code == 0, text
    assert re.findall(r"[\u4e00-\u9fff]+", text) == ["断卡", "卡商", "水房"]
    assert text.startswith("card-cutting (断卡): 2 groups as of 2026-03-03 08:00 (UTC+8)")
    assert "card_ring: a card dealer's (卡商) ring" in text
    assert "laundering_group: the cards, devices and numbers one gang's launderers (水房)" in text
    # Only the kinds shown are explained.
    code, text = run("--db", str(ring_market.path), "--as-of", AS_OF, "--top", "1")
    assert re.findall(r"[\u4e00-\u9fff]+", text) == ["断卡", "卡商"]


def test_json_and_top(ring_market: RingMarket) -> None:
    db = str(ring_market.path)
    code, text = run("--db", db, "--as-of", "2026-03-03T00:00:00", "--top", "1", "--json")
    assert code == 0, text
    got = json.loads(text)
    assert got["as_of"] == AS_OF
    assert [r["kind"] for r in got["rings"]] == ["card_ring"] and got["rings"][0]["rank"] == 1


def test_as_of_before_the_market_finds_nothing(ring_market: RingMarket) -> None:
    code, text = run("--db", str(ring_market.path), "--as-of", "2026-01-01", "--json")
    assert code == 0 and json.loads(text)["rings"] == []


def test_bad_input(ring_market: RingMarket, tmp_path: Path) -> None:
    code, text = run("--db", str(ring_market.path), "--as-of", "yesterday")
    assert code == 2 and "ISO 8601" in text
    code, text = run("--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and "no store" in text
