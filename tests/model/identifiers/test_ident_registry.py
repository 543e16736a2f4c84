"""The registry, node ids across kinds, column input forms and the simulator's generators."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import PROVINCES, idnos, luhn_numbers, phones

from fraudlink.model import identifiers
from fraudlink.model.enums import INDICATOR_KINDS
from fraudlink.model.identifiers import (
    KINDS,
    PREFIXES_BY_OPERATOR,
    TYPES,
    Card,
    Idno,
    Imei,
    Ip,
    Phone,
    get,
    parse_node_id,
)
from fraudlink.model.identifiers._vector import (
    make_idnos,
    make_ipv4,
    make_luhn_numbers,
    make_phones,
)
from fraudlink.model.identifiers.idno import LATEST_BIRTH
from fraudlink.model.tables import entities, events, truth


def test_kinds_and_prefixes() -> None:
    assert KINDS == ("phone", "card", "idno", "imei", "ip", "url", "domain", "app", "social")
    assert {t.kind: t.prefix for t in TYPES} == {
        "phone": "tel:",
        "card": "card:",
        "idno": "idno:",
        "imei": "imei:",
        "ip": "ip:",
        "url": "url:",
        "domain": "domain:",
        "app": "app:",
        "social": "social:",
    }
    for kind in KINDS:
        assert get(kind).kind == kind


def test_every_indicator_kind_and_column_identifier_has_a_rule() -> None:
    for kind in INDICATOR_KINDS:
        get(kind)
    tables = [
        t
        for mod in (entities, events, truth)
        for t in vars(mod).values()
        if hasattr(t, "columns") and hasattr(t, "column_index")
    ]
    assert tables
    for table in tables:
        for col in table.columns:
            if col.identifier is not None:
                get(col.identifier)


def test_unknown_kind() -> None:
    with pytest.raises(KeyError):
        get("fax")
    with pytest.raises(ValueError):
        parse_node_id("fax:123")
    with pytest.raises(ValueError):
        Card.from_node_id("imei:490154203237518")


def test_package_example() -> None:
    assert identifiers.get("phone").clean("+86 138-1234-5678") == "13812345678"
    assert identifiers.Phone.node_id("13812345678") == "tel:+8613812345678"


@settings(deadline=None)
@given(
    st.one_of(
        phones().map(lambda v: (Phone, v)),
        luhn_numbers(12, 19).map(lambda v: (Card, v)),
        luhn_numbers(15, 15).map(lambda v: (Imei, v)),
        idnos().map(lambda v: (Idno, v)),
        st.ip_addresses().map(lambda a: (Ip, str(a))),
    )
)
def test_node_ids_round_trip(pair: tuple[type[identifiers.IdentifierType], str]) -> None:
    kind, value = pair
    assert parse_node_id(kind.node_id(value)) == (kind, value)
    assert kind.node_ids(pa.array([value])).to_pylist() == [kind.node_id(value)]


@pytest.mark.parametrize(
    "column",
    [
        ["13812345678", None, "x"],
        np.array(["13812345678", "", "x"]),
        np.array(["13812345678", None, "x"], dtype=object),
        pa.array(["13812345678", None, "x"], pa.large_string()),
        pa.chunked_array([["13812345678"], [None, "x"]]),
        pa.array(["13812345678", None, "x"]).dictionary_encode(),
        pa.array(["000", "13812345678", None, "x"]).slice(1),
    ],
)
def test_clean_array_input_forms(column: object) -> None:
    out, ok = Phone.clean_array(column)
    assert out.type == pa.string()
    assert out.to_pylist() == ["13812345678", None, None]
    assert ok.tolist() == [True, False, False]


@pytest.mark.parametrize("kind", TYPES)
def test_clean_array_of_nothing(kind: type[identifiers.IdentifierType]) -> None:
    for column in ([], [None, None]):
        out, ok = kind.clean_array(pa.array(column, pa.string()))
        assert out.to_pylist() == column and not ok.any()


def test_large_numpy_column() -> None:
    # Arrow hands back big NumPy str columns in chunks; the fast path must cope.
    n = 600_000
    rng = np.random.default_rng(1)
    numbers = make_phones(np.full(n, "138"), rng.integers(0, 10**8, n))
    out, ok = Phone.clean_array(numbers)
    assert ok.all() and out.to_pylist()[:3] == numbers[:3].tolist()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_simulator_generators_make_valid_identifiers(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    prefixes = np.array([p for ps in PREFIXES_BY_OPERATOR.values() for p in ps])
    numbers = make_phones(prefixes[rng.integers(0, len(prefixes), n)], rng.integers(0, 10**8, n))
    assert Phone.clean_array(numbers)[1].all()
    assert all(Phone.validate(v) for v in numbers)

    cards = make_luhn_numbers(np.array("622202"), rng.integers(0, 10**12, n), 19)
    accounts = make_luhn_numbers(np.array("208800"), rng.integers(0, 10**9, n), 16)
    imeis = make_luhn_numbers(np.array("35209900"), rng.integers(0, 10**6, n), 15)
    for kind, values in ((Card, cards), (Card, accounts), (Imei, imeis)):
        assert kind.clean_array(values)[1].all()
        assert all(kind.validate(v) for v in values)

    districts = np.array(
        [
            p + f"{d:04d}"
            for p, d in zip(rng.choice(PROVINCES, n), rng.integers(0, 10**4, n), strict=True)
        ]
    )
    lo = (dt.date(1900, 1, 1) - dt.date(1970, 1, 1)).days
    hi = (LATEST_BIRTH - dt.date(1970, 1, 1)).days
    days = rng.integers(lo, hi + 1, n)
    ids = make_idnos(districts, days, rng.integers(0, 1000, n))
    assert Idno.clean_array(ids)[1].all()
    for idno, day in zip(ids, days, strict=True):
        assert Idno.validate(idno)
        assert Idno.birth_date(idno) == dt.date(1970, 1, 1) + dt.timedelta(days=int(day))

    ips = make_ipv4(rng.integers(0, 2**32, n))
    assert Ip.clean_array(ips)[1].all()
    assert all(Ip.validate(v) for v in ips)


def test_a_narrower_kind_makes_nodes_of_its_wider_kind() -> None:
    # A SIM's mobile is indexed and linked as a phone; every other kind is its own.
    assert identifiers.node_kind("mobile") == "phone"
    for kind in (*identifiers.KINDS, *identifiers.ALIASES):
        assert identifiers.node_kind(kind) == kind
