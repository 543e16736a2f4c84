"""Simulated worlds shared by the tests (each built once per test session, from the simulator),
and a hand-made ring market for the card-cutting tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fraudlink.simulate import SimConfig, load_config, simulate_to_dir
from fraudlink.store import Store

STATS_OVERRIDE = """
[world]
persons = 20000
days = 20

[fraud]
gangs = 6
episodes_per_100k_day = 250.0
"""


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny preset, seed 7."""
    out = tmp_path_factory.mktemp("tiny") / "world"
    simulate_to_dir(load_config("tiny"), 7, out)
    return out


@pytest.fixture(scope="session")
def stats_cfg(tmp_path_factory: pytest.TempPathFactory) -> SimConfig:
    """The demo preset with more episodes: enough (about 1,000) for statistical checks."""
    cfg_file = tmp_path_factory.mktemp("stats-config") / "stats.toml"
    cfg_file.write_text(STATS_OVERRIDE, "utf-8")
    return load_config("demo", cfg_file)


@pytest.fixture(scope="session")
def stats_world(tmp_path_factory: pytest.TempPathFactory, stats_cfg: SimConfig) -> Path:
    """The world simulated from `stats_cfg`, seed 11."""
    out = tmp_path_factory.mktemp("stats") / "world"
    simulate_to_dir(stats_cfg, 11, out)
    return out


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo preset, seed 1: the world the issues' demo targets are measured on."""
    out = tmp_path_factory.mktemp("demo") / "world"
    simulate_to_dir(load_config("demo"), 1, out)
    return out


@pytest.fixture(scope="session")
def ingested_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, str], Path]:
    """Make a new store file holding a world's feeds, for tests that share it."""
    from fraudlink.ingest import ingest_paths
    from fraudlink.store import Store

    def make(world: Path, name: str) -> Path:
        path = tmp_path_factory.mktemp(name) / "store.duckdb"
        with Store(path) as store:
            assert not ingest_paths(store, [world / "feeds"]).errors
        return path

    return make


@dataclass(frozen=True)
class RingMarket:
    """A hand-made store with one card ring and an innocent family (see `make_ring_market`)."""

    path: Path
    t0: datetime = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # kits opened; logins +1 h, money +1 day
    ring_persons: frozenset[str] = frozenset({"P1", "P2", "P3", "P4"})
    innocent_persons: frozenset[str] = frozenset({"Q1", "R1"})


@pytest.fixture
def ring_market(tmp_path: Path) -> RingMarket:
    """A fresh copy of the hand-made ring market for one test."""
    return RingMarket(make_ring_market(tmp_path / "market.duckdb"))


def make_ring_market(path: Path) -> Path:
    """A store with one ring (sellers P1-P4, dealer device D1 on a datacenter address, insider
    clerk K1) and an innocent family (Q1, R1) sharing a phone and a broadband address with P1."""
    t1, t2 = RingMarket.t0 + timedelta(hours=1), RingMarket.t0 + timedelta(days=1)
    with Store(path) as store:
        con = store.con
        con.executemany(
            "insert into ip_addresses (ip, kind) values (?, ?)",
            [("45.1.1.1", "datacenter"), ("113.1.1.1", "broadband"), ("111.1.1.1", "mobile_nat")],
        )
        con.executemany(
            "insert into staff (staff_id, outlet_id, idno, name) values (?, ?, ?, ?)",
            [("K1", "O1", "I1", "clerk one"), ("K2", "O2", "I2", "clerk two")],
        )
        acc = [(f"A{i}", f"P{i}", f"S{i}", "O1" if i < 4 else "O2", "K1" if i < 4 else "K2")
               for i in range(1, 5)]  # fmt: skip
        acc += [("B1", "Q1", None, "O2", "K2"), ("B2", "R1", None, "O2", "K2")]
        acc += [(f"N{i}", f"H{i}", None, "O2", "K2") for i in range(200)]
        con.executemany(
            "insert into bank_accounts (account, inst_id, account_class, holder_kind, owner_idno,"
            " owner_name, phone, opened_at, outlet_id, staff_id) values"
            " (?, 'ICBC', 1, 'personal', ?, 'x', ?, ?, ?, ?)",
            [(a, o, p, RingMarket.t0, out, k) for a, o, p, out, k in acc],
        )
        con.executemany(
            "insert into sim_cards (msisdn, inst_id, owner_idno, registered_at, device_imei)"
            " values (?, 'CMCC', ?, ?, ?)",
            [(f"S{i}", f"P{i}", RingMarket.t0, f"E{i}") for i in range(1, 5)],
        )
        logins = [(f"A{i}", "D1", "45.1.1.1") for i in range(1, 5)]
        logins += [("A1", "E1", "113.1.1.1"), ("B1", "D8", "113.1.1.1"), ("B2", "D8", "111.1.1.1")]
        con.executemany(
            "insert into logins (login_id, time, account, account_kind, device_imei, ip)"
            " values (?, ?, ?, 'bank', ?, ?)",
            [(i, t1, a, d, ip) for i, (a, d, ip) in enumerate(logins)],
        )
        con.executemany(
            "insert into transactions (txn_id, time, from_account, to_account, amount_fen,"
            " channel) values (?, ?, ?, ?, 500000, 'transfer')",
            [(1, t2, "A1", "A2"), (2, t2, "A2", "A3"), (3, t2, "A3", "B1")],
        )
        con.execute(
            "insert into calls (call_id, time, caller, callee, kind, duration_s, cell_id)"
            " values (1, ?, 'S1', '13900000000', 'call', 60, 'C1')",
            [t2],
        )
    return path
