"""Domains and URLs: lower case, IDNA, default ports and fragments dropped."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import assert_agrees, junk

from fraudlink.model.identifiers import Domain, Url

LABELS = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True)
UNICODE_LABELS = st.sampled_from(["例子", "中国", "银行", "bücher", "支付宝", "平安"])
TLDS = st.sampled_from(["com", "cn", "net", "COM", "中国", "xn--fiqs8s", "top", "xyz"])


@st.composite
def hosts(draw: st.DrawFn) -> str:
    """Host names, some upper case, some with Chinese labels."""
    labels = draw(st.lists(st.one_of(LABELS, UNICODE_LABELS), min_size=1, max_size=3))
    return ".".join([*labels, draw(TLDS)])


PATHS = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,6}){0,3}", fullmatch=True)
QUERIES = st.from_regex(r"(\?[a-z]{1,3}=[A-Za-z0-9%]{0,4}(&[a-z]=[0-9]{0,2})?)?", fullmatch=True)


@st.composite
def urls(draw: st.DrawFn) -> str:
    """URLs in the shapes members send: with or without scheme, ports, fragments."""
    scheme = draw(st.sampled_from(["", "http://", "https://", "HTTP://", "Https://", "//"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":0080"]))
    frag = draw(st.sampled_from(["", "#top", "#"]))
    return scheme + draw(hosts()) + port + draw(PATHS) + draw(QUERIES) + frag


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Example.COM.", "example.com"),
        ("例子.中国", "xn--fsqu00a.xn--fiqs8s"),
        ("例子。中国", "xn--fsqu00a.xn--fiqs8s"),
        ("ＷＷＷ.Example.com", "www.example.com"),
        ("BÜCHER.de", "xn--bcher-kva.de"),
        (" pay-1.example.cn\n", "pay-1.example.cn"),
    ],
)
def test_domain_examples(raw: str, clean: str) -> None:
    assert Domain.clean(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "localhost",
        "a..com",
        "a_b.com",
        "-a.com",
        "a-.com",
        "1.2.3.4",
        "a.com..",
        "a b.com",
        "http://a.com",
        ("x" * 64) + ".com",
        ".".join(["abcdefghi"] * 26) + ".com",
    ],
)
def test_domain_rejected(raw: str) -> None:
    assert Domain.clean(raw) is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Example.COM/Pay?x=1#frag", "http://example.com/Pay?x=1"),
        ("HTTPS://例子.中国:443", "https://xn--fsqu00a.xn--fiqs8s/"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://bank.com@evil.cn/login", "http://bank.com@evil.cn/login"),
        ("//cdn.example.com/app.apk", "http://cdn.example.com/app.apk"),
        ("1.2.3.4:8080/x", "http://1.2.3.4:8080/x"),
        ("example.com?", "http://example.com/"),
    ],
)
def test_url_examples(raw: str, clean: str) -> None:
    assert Url.clean(raw) == clean
    assert Url.node_id(clean) == "url:" + clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "localhost/x",
        "ftp://example.com/",
        "http://999.1.1.1/",
        "http://[::1]/",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "javascript:alert(1)",
        "http:///x",
    ],
)
def test_url_rejected(raw: str) -> None:
    assert Url.clean(raw) is None


@given(hosts())
def test_domain_clean_is_idempotent(host: str) -> None:
    clean = Domain.clean(host)
    assert clean is not None
    assert clean == clean.lower() and clean.isascii()
    assert Domain.clean(clean) == clean
    assert Domain.validate(clean)
    assert Domain.from_node_id(Domain.node_id(clean)) == clean


@given(urls())
def test_url_clean_is_idempotent(raw: str) -> None:
    clean = Url.clean(raw)
    assert clean is not None
    assert clean.startswith(("http://", "https://"))
    assert "#" not in clean
    assert not clean.startswith("http://") or ":80/" not in clean
    assert not clean.startswith("https://") or ":443/" not in clean
    assert Url.clean(clean) == clean
    assert Url.validate(clean)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(hosts(), junk(), st.none()), max_size=10))
def test_domain_clean_array_agrees_with_clean(values: list[str | None]) -> None:
    assert_agrees(Domain, values)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(urls(), urls().map(Url.clean), junk(), st.none()), max_size=10))
def test_url_clean_array_agrees_with_clean(values: list[str | None]) -> None:
    assert_agrees(Url, values)
