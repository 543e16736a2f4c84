"""IP addresses: canonical dotted quads, compressed IPv6, no leading zeros."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import assert_agrees, junk

from fraudlink.model.identifiers import Ip


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1.2.3.4", "1.2.3.4"),
        (" 10.0.0.1\n", "10.0.0.1"),
        ("255.255.255.255", "255.255.255.255"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::1", "::1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("１.２.３.４", "1.2.3.4"),
    ],
)
def test_examples(raw: str, clean: str) -> None:
    assert Ip.clean(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "010.001.002.003",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3.4/24",
        "fe80::1%eth0",
        "1::2::3",
        "example.com",
        "1. 2.3.4",
    ],
)
def test_rejected(raw: str) -> None:
    assert Ip.clean(raw) is None


@given(st.ip_addresses(v=4))
def test_ipv4_fixed_points_and_leading_zeros(addr: ipaddress.IPv4Address) -> None:
    text = str(addr)
    assert Ip.clean(text) == text
    assert Ip.validate(text)
    assert Ip.from_node_id(Ip.node_id(text)) == text
    padded = ".".join(f"{int(o):03d}" for o in text.split("."))
    assert Ip.clean(padded) == (text if padded == text else None)


@given(st.ip_addresses(v=6))
def test_ipv6_normalised(addr: ipaddress.IPv6Address) -> None:
    want = str(addr.ipv4_mapped or addr)
    assert Ip.clean(addr.exploded.upper()) == want
    assert Ip.clean(want) == want


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.ip_addresses().map(str),
            st.ip_addresses(v=6).map(lambda a: a.exploded),
            st.ip_addresses(v=4).map(lambda a: " " + str(a).replace("1", "01")),
            junk(),
            st.none(),
        ),
        max_size=12,
    )
)
def test_clean_array_agrees_with_clean(values: list[str | None]) -> None:
    assert_agrees(Ip, values)
