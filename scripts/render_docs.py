"""Regenerate the generated blocks of docs/data-model.md and docs/simulator.md from code.

Usage: uv run python scripts/render_docs.py [--check]

Only the text between `<!-- BEGIN GENERATED: NAME -->` and `<!-- END GENERATED: NAME -->` is
replaced; the hand-written prose around it is kept. With --check nothing is written and the exit
status is 1 when a doc is out of date.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from fraudlink.model.docs import render_data_model_tables
from fraudlink.simulate.docs import render_config_reference

DOCS = Path(__file__).resolve().parent.parent / "docs"
TARGETS: dict[str, tuple[str, Callable[[], str]]] = {
    "data-model.md": ("tables", render_data_model_tables),
    "simulator.md": ("config", render_config_reference),
}


def splice(text: str, name: str, block: str) -> str:
    """Replace the generated block NAME in text with block."""
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.DOTALL)
    if len(pattern.findall(text)) != 1:
        raise SystemExit(f"expected exactly one '{begin}' ... '{end}' block")
    return pattern.sub(lambda _: f"{begin}\n{block}{end}", text)


def main(argv: list[str]) -> int:
    """Rewrite each doc whose generated block is stale; with --check, only report it."""
    check = "--check" in argv
    stale = []
    for filename, (name, render) in TARGETS.items():
        path = DOCS / filename
        old = path.read_text("utf-8")
        new = splice(old, name, render())
        if new != old:
            stale.append(filename)
            if not check:
                path.write_text(new, "utf-8")
    verb = "out of date" if check else "rewritten"
    print(f"{verb}: {', '.join(stale)}" if stale else "docs are up to date")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
