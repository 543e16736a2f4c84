"""Every chunk ordinary life appends has the contract's columns, dtypes and valid references."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from fraudlink.model.enums import TRANSACTION_CHANNELS
from fraudlink.simulate.world import World

Tables = Callable[[World, str], dict[str, np.ndarray]]

SCHEMAS = {
    "transactions": {"time": np.int64, "from_acc": np.int32, "to_acc": np.int32,
                     "amount": np.int64, "channel": np.int8, "terminal": np.int32},
    "calls": {"time": np.int64, "caller": np.int32, "callee": np.int32, "kind": np.int8,
              "duration_s": np.int32, "cell": np.int32},
    "logins": {"time": np.int64, "account_kind": np.int8, "account": np.int32,
               "device": np.int32, "ip": np.int32},
    "web_events": {"time": np.int64, "sim": np.int32, "kind": np.int8, "url": np.int32,
                   "app": np.int32},
}
CH = {c: i for i, c in enumerate(TRANSACTION_CHANNELS)}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_chunks_have_contract_dtypes(world: World, name: str) -> None:
    chunks = world.log(name).chunks
    assert chunks, f"no {name} appended"
    for chunk in chunks:
        assert {k: v.dtype for k, v in chunk.items()} == {k: np.dtype(v)
                                                         for k, v in SCHEMAS[name].items()}
        assert len({len(v) for v in chunk.values()}) == 1


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_times_inside_period(world: World, name: str, tables: Tables) -> None:
    t = tables(world, name)["time"]
    assert t.min() >= world.start_us
    assert t.max() < world.end_us
    # China's small hours after the last date are in the period too, and have their share.
    assert (t >= world.end_us - 8 * 3_600_000_000).any()


def test_transactions_are_valid(world: World, tables: Tables) -> None:
    tx = tables(world, "transactions")
    n_acc = len(world.entity("accounts"))
    terms = world.entity("terminals")
    assert (tx["amount"] > 0).all()
    assert ((tx["from_acc"] >= 0) & (tx["from_acc"] < n_acc)).all()
    atm = tx["channel"] == CH["atm_cash_out"]
    assert (tx["to_acc"][atm] == -1).all()
    assert ((tx["to_acc"][~atm] >= 0) & (tx["to_acc"][~atm] < n_acc)).all()
    assert (tx["from_acc"] != tx["to_acc"]).all()
    assert not np.isin(tx["channel"], [CH["crypto"]]).any()
    kind = np.asarray(terms["kind"]).astype(str)
    assert (kind[tx["terminal"][atm]] == "atm").all()
    pos = tx["channel"] == CH["pos"]
    assert pos.any()
    assert (kind[tx["terminal"][pos]] == "pos").all()
    assert (tx["terminal"][~atm & ~pos] == -1).all()


def test_calls_are_valid(world: World, tables: Tables) -> None:
    c = tables(world, "calls")
    n_sims = len(world.entity("sims"))
    for col in ("caller", "callee"):
        assert ((c[col] >= 0) & (c[col] < n_sims)).all()
    assert (c["caller"] != c["callee"]).all()
    assert set(np.unique(c["kind"])) == {0, 1}
    assert (c["duration_s"][c["kind"] == 1] == 0).all()
    assert (c["duration_s"] >= 0).all()
    assert ((c["cell"] >= 0) & (c["cell"] < len(world.entity("cells")))).all()


def test_logins_are_valid(world: World, tables: Tables) -> None:
    lg = tables(world, "logins")
    bank = lg["account_kind"] == 0
    assert bank.any() and (~bank).any()
    assert (lg["account"][bank] < len(world.entity("accounts"))).all()
    assert (lg["account"][~bank] < len(world.entity("platform_accounts"))).all()
    assert ((lg["device"] >= 0) & (lg["device"] < len(world.entity("devices")))).all()
    assert ((lg["ip"] >= 0) & (lg["ip"] < len(world.entity("ips")))).all()


def test_web_events_are_valid(world: World, tables: Tables) -> None:
    w = tables(world, "web_events")
    visit = w["kind"] == 0
    assert visit.any() and (~visit).any()
    assert (w["url"][visit] >= 0).all() and (w["app"][visit] == -1).all()
    assert (w["app"][~visit] >= 0).all() and (w["url"][~visit] == -1).all()
    assert not world.entity("urls")["fraud"][w["url"][visit]].any()
    assert not world.entity("apps")["fraud"][w["app"][~visit]].any()
