"""Where an SVG chart's text lands: each label's box from its position, anchor, font size and an
estimate of its width, so tests can prove that no two labels overlap and that a chart fits.

No browser here to measure glyphs, so the estimate leans wide: per character 0.62 em, 0.68 em
bold, 0.62 em in a monospace font, a full em for CJK and for an ellipsis. (DejaVu Sans, a wide
fallback font, runs 0.51-0.56 em a character over the chart's labels, 0.57-0.62 em bold; its
digits 0.636 em, 0.696 bold; DejaVu Sans Mono 0.602 em.) A label's box runs from 0.85 em above
its baseline to 0.25 em below, plus half the width of a white halo drawn under it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

INHERITED = ("font-size", "font-weight", "font-family", "text-anchor")


@dataclass(frozen=True)
class Box:
    """One text label's box in the drawing's own units (x to the right, y down)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        """Whether two boxes share any area (touching edges do not count)."""
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def inside(self, x0: float, y0: float, x1: float, y1: float, slack: float = 0.0) -> bool:
        """Whether the box lies within a rectangle (give or take `slack`)."""
        return (
            self.x0 >= x0 - slack
            and self.y0 >= y0 - slack
            and self.x1 <= x1 + slack
            and self.y1 <= y1 + slack
        )


def text_width(s: str, size: float, bold: bool = False, mono: bool = False) -> float:
    """A generous estimate of a label's width in pixels."""
    latin = 0.62 if mono else (0.68 if bold else 0.62)
    return sum(size if ord(ch) > 0x2E80 or ch == "…" else size * latin for ch in s)


def parse(svg: str) -> ET.Element:
    """The SVG as an element tree (inline SVG carries no namespace)."""
    return ET.fromstring(svg)


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    """The viewBox: min-x, min-y, width, height."""
    a, b, c, d = (float(v) for v in root.attrib["viewBox"].split())
    return a, b, c, d


def _label(el: ET.Element) -> str:
    # A label's text, without any <title> tooltip nested in it.
    parts = [el.text or ""]
    for child in el:
        if child.tag != "title":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts)


def text_boxes(svg: str) -> list[Box]:
    """Every non-empty <text> label's box, with font attributes inherited from its ancestors."""
    boxes: list[Box] = []

    def walk(el: ET.Element, inherited: dict[str, str]) -> None:
        here = dict(inherited)
        for key in INHERITED:
            if key in el.attrib:
                here[key] = el.attrib[key]
        if el.tag == "text":
            s = _label(el)
            if s.strip():
                boxes.append(_box(el, s, here))
            return
        for child in el:
            walk(child, here)

    walk(parse(svg), {"font-size": "16", "font-weight": "", "font-family": "", "text-anchor": ""})
    return boxes


def _box(el: ET.Element, s: str, attrs: dict[str, str]) -> Box:
    assert "transform" not in el.attrib, "labels are placed by x and y only"
    size = float(attrs["font-size"])
    weight = attrs["font-weight"]
    bold = weight in {"bold", "bolder"} or (weight.isdigit() and int(weight) >= 600)
    mono = "mono" in attrs["font-family"].lower()
    w = text_width(s, size, bold=bold, mono=mono)
    x, y = float(el.attrib.get("x", "0")), float(el.attrib.get("y", "0"))
    anchor = attrs["text-anchor"]
    x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
    halo = float(el.attrib.get("stroke-width", "0")) / 2 if "stroke" in el.attrib else 0.0
    return Box(s, x0 - halo, y - 0.85 * size - halo, x0 + w + halo, y + 0.25 * size + halo)


def overlapping(boxes: list[Box]) -> list[tuple[Box, Box]]:
    """Every pair of labels whose boxes intersect."""
    order = sorted(boxes, key=lambda b: b.y0)
    pairs = []
    for i, a in enumerate(order):
        for b in order[i + 1 :]:
            if b.y0 >= a.y1:
                break
            if a.overlaps(b):
                pairs.append((a, b))
    return pairs


def boxed_labels(svg: str) -> list[tuple[tuple[float, float, float, float], list[Box]]]:
    """Per <g> that holds a <rect> and text (a money-trail box): the rect (x, y, width, height)
    and its labels' boxes."""
    out = []
    root = parse(svg)

    def walk(el: ET.Element, inherited: dict[str, str]) -> None:
        here = dict(inherited)
        for key in INHERITED:
            if key in el.attrib:
                here[key] = el.attrib[key]
        rects = [c for c in el if c.tag == "rect"]
        texts = [c for c in el if c.tag == "text" and _label(c).strip()]
        if el.tag == "g" and rects and texts:
            r = rects[0].attrib
            rect = (float(r["x"]), float(r["y"]), float(r["width"]), float(r["height"]))
            labels = []
            for t in texts:
                attrs = dict(here)
                for key in INHERITED:
                    if key in t.attrib:
                        attrs[key] = t.attrib[key]
                labels.append(_box(t, _label(t), attrs))
            out.append((rect, labels))
        for child in el:
            walk(child, here)

    walk(root, {"font-size": "16", "font-weight": "", "font-family": "", "text-anchor": ""})
    return out


def tooltips(svg: str) -> list[str]:
    """The text of every <title> in the drawing."""
    return ["".join(t.itertext()) for t in parse(svg).iter("title")]
