"""The HTML report: self-contained, one SVG per chart, escaped, and robust to missing extras."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from report_samples import trail

from fraudlink.report import write_report


class _Tags(HTMLParser):
    """Every real tag and attribute in a page (text that merely looks like a tag is not one)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _assert_self_contained(text: str, no_urls_anywhere: bool = True) -> None:
    if no_urls_anywhere:
        assert "http://" not in text and "https://" not in text
    parser = _Tags()
    parser.feed(text)
    names = {t for t, _ in parser.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "image", "use"}
    for _, attrs in parser.tags:
        for name, value in attrs:
            assert name not in {"src", "href", "xlink:href", "srcset"}, (name, value)
            assert "url(" not in (value or "")
    assert "@import" not in text and "url(" not in text


def test_report_is_self_contained_with_every_chart(
    tmp_path: Path, outcomes: dict[str, Any], extras: dict[str, Any]
) -> None:
    path = write_report(outcomes, extras, tmp_path / "out" / "report.html")
    text = path.read_text("utf-8")
    _assert_self_contained(text)
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in text and '<meta charset="utf-8">' in text
    # Loss, timeliness, warnings by grade, money trail.
    assert text.count("<svg") == 4
    assert "1,234,567.89" in text
    assert "NOT MET" in text
    assert "bank_stop" in text  # the assumptions


def test_malicious_labels_are_escaped(tmp_path: Path, outcomes: dict[str, Any]) -> None:
    extras = {"trail": trail(victim="<script>alert(1)</script>")}
    outcomes["targets"]["full"][0]["name"] = "<img src=http://x/y.png>"
    text = write_report(outcomes, extras, tmp_path / "r.html").read_text("utf-8")
    # The escaped label still reads "http://" as text; it must not become a tag or attribute.
    _assert_self_contained(text, no_urls_anywhere=False)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=" in text


def test_renders_with_empty_extras(tmp_path: Path, outcomes: dict[str, Any]) -> None:
    text = write_report(outcomes, {}, tmp_path / "r.html").read_text("utf-8")
    _assert_self_contained(text)
    assert text.count("<svg") == 2  # the charts drawn from outcomes alone
    assert "No timeliness figures" in text and "No money trail" in text
    text = write_report(outcomes, {"timeliness": {}, "trail": {}}, tmp_path / "r2.html").read_text(
        "utf-8"
    )
    assert text.count("<svg") == 2


def test_renders_with_nothing(tmp_path: Path) -> None:
    text = write_report({}, {}, tmp_path / "r.html").read_text("utf-8")
    _assert_self_contained(text)
    assert text.count("<svg") == 0
    assert text.rstrip().endswith("</html>")
