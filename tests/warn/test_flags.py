"""Flag sets: known values, suspected values per detector, and vectorised probes."""

from __future__ import annotations

import pyarrow as pa

from fraudlink.warn import FlagSet


def test_probe_gives_hit_score_and_known_per_row() -> None:
    fs = FlagSet()
    fs.mark_known(["a"])
    fs.set_suspected({"b": 0.9, "a": 0.2}, "scores")
    hit, score, known = fs.probe(pa.array(["a", "b", "c", None]))
    assert hit.tolist() == [True, True, False, False]
    assert score.tolist() == [1.0, 0.9, 0.0, 0.0]
    assert known.tolist() == [True, False, False, False]


def test_a_detector_replaces_only_its_own_suspects() -> None:
    fs = FlagSet()
    fs.add_suspected({"x": 0.85}, "bursts")
    fs.set_suspected({"y": 0.95}, "scores")
    fs.set_suspected({"z": 0.95}, "scores")
    assert "x" in fs and "z" in fs and "y" not in fs
    assert fs.add_suspected({"x": 0.85}, "bursts") == 0
    assert fs.mark_known(["x", "x"]) == 1 and fs.is_known("x") and fs.score("x") == 1.0


def test_an_empty_set_matches_nothing() -> None:
    hit, score, known = FlagSet().probe(pa.array(["a"]))
    assert not hit.any() and score.tolist() == [0.0] and not known.any()
