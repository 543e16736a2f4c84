"""App package ids and platform accounts: shapes and lower case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import assert_agrees, fullwidth, junk

from fraudlink.model.identifiers import App, Social

APP_IDS = st.from_regex(
    r"[a-zA-Z][a-zA-Z0-9_]{0,6}(\.[a-zA-Z][a-zA-Z0-9_]{0,6}){1,3}", fullmatch=True
)
SOCIAL_IDS = st.from_regex(r"[a-zA-Z]{2,3}_[a-zA-Z0-9_]{4,32}", fullmatch=True)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("com.example.app", "com.example.app"),
        (" Com.Example.App ", "com.example.app"),
        ("cn.gov.fzsc_app", "cn.gov.fzsc_app"),
        ("ｃｏｍ.ｘ", "com.x"),
    ],
)
def test_app_examples(raw: str, clean: str) -> None:
    assert App.clean(raw) == clean
    assert App.node_id(clean) == "app:" + clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "example",
        "com..app",
        "com.1app",
        "com.exa-mple",
        ".com.app",
        "com.app.",
        "com.例子",
        "com.app x",
    ],
)
def test_app_rejected(raw: str) -> None:
    assert App.clean(raw) is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("wx_abc123", "wx_abc123"),
        ("WX_ABC123", "wx_abc123"),
        ("dy_9a8b7c", "dy_9a8b7c"),
        ("qq_12345", "qq_12345"),
        ("xyz_a_b_c", "xyz_a_b_c"),
    ],
)
def test_social_examples(raw: str, clean: str) -> None:
    assert Social.clean(raw) == clean
    assert Social.node_id(clean) == "social:" + clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "wx_abc",
        "w_abcdef",
        "wxyz_abcdef",
        "wx-abcdef",
        "wx_" + "a" * 33,
        "wx_微信号码",
        "12_abcdef",
    ],
)
def test_social_rejected(raw: str) -> None:
    assert Social.clean(raw) is None


def test_social_platform() -> None:
    assert Social.platform("wx_abc123") == "wx"


@given(APP_IDS, st.lists(st.booleans()))
def test_app_ids_clean_to_lower_fixed_points(raw: str, wide: list[bool]) -> None:
    clean = App.clean(fullwidth(raw, wide))
    assert clean == raw.lower()
    assert App.validate(clean)
    assert App.from_node_id(App.node_id(clean)) == clean


@given(SOCIAL_IDS)
def test_social_ids_clean_to_lower_fixed_points(raw: str) -> None:
    clean = Social.clean(raw)
    assert clean == raw.lower()
    assert Social.validate(clean)
    assert Social.from_node_id(Social.node_id(clean)) == clean


@settings(max_examples=100, deadline=None)
@pytest.mark.parametrize("kind", [App, Social])
@given(values=st.lists(st.one_of(APP_IDS, SOCIAL_IDS, junk(), st.none()), max_size=10))
def test_clean_array_agrees_with_clean(kind: type[App], values: list[str | None]) -> None:
    assert_agrees(kind, values)
