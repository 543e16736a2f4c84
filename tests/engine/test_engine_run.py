"""The engine never reads truth or the future: the replay driver feeds it, and nothing else."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest

import fraudlink
from fraudlink.detect.evaluation import world_period
from fraudlink.engine import STRATEGIES, arrival_sql, run_engine
from fraudlink.engine.core import UNREAD
from fraudlink.model.tables import FEED_TABLES, TRUTH
from fraudlink.store import Store
from fraudlink.store.store import scalar

ENGINE_PARTS = ("engine", "warn", "match", "trace", "detect")


@pytest.fixture(scope="module")
def tiny_store(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> Path:
    return ingested_file(tiny_world, "engine-run")


def _past_only(src: Path, dst: Path, until) -> None:
    """A copy of the store with every row that arrives after `until` deleted."""
    shutil.copy(src, dst)
    with Store(dst) as store:
        for feed in FEED_TABLES:
            sql = arrival_sql(feed)
            if sql is None:
                continue
            key = ", ".join(f'"{k}"' for k in FEED_TABLES[feed].key)
            store.con.execute(
                f'delete from "{feed}" where ({key}) in '
                f"(select ({key}) from ({sql}) where known_at > ?)",
                [until],
            )


def test_the_engine_decides_the_same_whether_or_not_the_future_is_there(
    tiny_world: Path, tiny_store: Path, tmp_path: Path
) -> None:
    start, end, _ = world_period(tiny_world)
    until = start + (end - start) * 3 / 5
    past = tmp_path / "past.duckdb"
    _past_only(tiny_store, past, until)
    runs = []
    for path, name in ((tiny_store, "all"), (past, "past")):
        with Store(path, read_only=True) as store:
            run = run_engine(store, STRATEGIES["full"], start, until, tmp_path / f"w-{name}.db")
        runs.append(run)
    full, blind = runs
    assert len(full.log) > 0
    assert full.log.table().equals(blind.log.table())
    assert full.log.standing_claims == blind.log.standing_claims
    assert all(start < c.found_at <= until for c in full.log.standing_claims)
    assert full.events == blind.events
    # And the engine's own store holds nothing that arrived after its clock, and no table of
    # the feeds it keeps out (which no analysis reads).
    with Store(tmp_path / "w-all.db", read_only=True) as work:
        held = set(work.tables())
        assert set(FEED_TABLES) - held == set(UNREAD)
        for feed in set(FEED_TABLES) & held:
            sql = arrival_sql(feed)
            if sql is not None and work.count(feed):
                latest = scalar(work.con, f"select max(known_at) from ({sql})")
                assert latest <= until, feed


def test_the_working_store_and_the_source_hold_no_truth(tiny_store: Path, tmp_path: Path) -> None:
    with Store(tiny_store, read_only=True) as store:
        assert not set(store.tables()) & set(TRUTH)


def _imports(package: str) -> set[str]:
    root = Path(fraudlink.__file__).parent / package
    names: set[str] = set()
    for f in root.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("part", ENGINE_PARTS)
def test_the_engine_and_its_analyses_never_import_the_arena_or_the_truth(part: str) -> None:
    bad = {m for m in _imports(part) if m.startswith(("fraudlink.arena", "fraudlink.report"))}
    assert not bad
    root = Path(fraudlink.__file__).parent / part
    for f in root.rglob("*.py"):
        assert '"truth"' not in f.read_text("utf-8") or part == "detect", f


def test_strategies_differ_only_in_what_they_may_do(tiny_world: Path, tiny_store: Path,
                                                    tmp_path: Path) -> None:  # fmt: skip
    start, end, _ = world_period(tiny_world)
    with Store(tiny_store, read_only=True) as store:
        kinds = {}
        for name in ("none", "first_level_on_report"):
            run = run_engine(store, STRATEGIES[name], start, end, tmp_path / f"{name}.db",
                             step=timedelta(minutes=15))  # fmt: skip
            t = run.log.table()
            kinds[name] = set(pc.unique(t.column("kind")).to_pylist()) if t.num_rows else set()
    assert kinds["none"] == set()
    assert kinds["first_level_on_report"] == {"freeze"}


class _FoldAtOnce:
    """A `BackgroundFold` that folds each table on the caller's thread as it is given."""

    def __init__(self, fold: Callable[[object], None], chunk_rows: int = 0) -> None:
        self.fold = fold

    def __call__(self, table: object) -> None:
        self.fold(table)

    def wait(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_the_sim_book_folded_on_a_worker_decides_as_folded_at_once(
    tiny_world: Path, tiny_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker thread, in chunks of any size, leaves the engine's decisions as they were."""
    import fraudlink.engine.core as core
    from fraudlink.engine.background import BackgroundFold

    start, end, _ = world_period(tiny_world)
    end = start + (end - start) / 2  # half the period: SIM scores have decided by then
    logs = []
    for name, fold in (("worker", BackgroundFold),
                       ("small chunks", lambda f: BackgroundFold(f, chunk_rows=97)),
                       ("at once", _FoldAtOnce)):  # fmt: skip
        monkeypatch.setattr(core, "BackgroundFold", fold)
        with Store(tiny_store, read_only=True) as store:
            run = run_engine(store, STRATEGIES["full"], start, end, tmp_path / f"{name}.db")
        logs.append(run.log.table())
    kinds = set(logs[0].column("kind").to_pylist())
    assert {"number_block", "reverify"} & kinds  # the SIM scores decided something
    assert all(log.equals(logs[0]) for log in logs[1:])
