"""Every command and option of the CLI is documented in docs/cli.md, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

import click

from fraudlink.cli.main import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def sections() -> dict[str, str]:
    """The text under each `## \\`fraudlink NAME\\`` heading of docs/cli.md."""
    text = DOC.read_text("utf-8")
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    out = {}
    for part in parts:
        head, _, body = part.partition("\n")
        m = re.match(r"`fraudlink (\S+)`", head)
        out[m.group(1) if m else head.strip()] = body
    return out


def test_every_command_has_a_section() -> None:
    assert set(cli.commands) <= set(sections())


def test_no_section_for_a_command_that_does_not_exist() -> None:
    documented = {k for k in sections() if k != "Global options"}
    assert documented <= set(cli.commands)


def test_every_option_is_documented_under_its_command() -> None:
    docs = sections()
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    assert f"`{opt}" in docs[name], f"{name} {opt} is not in docs/cli.md"


def test_documented_options_exist() -> None:
    docs = sections()
    for name, command in cli.commands.items():
        known = {o for p in command.params for o in getattr(p, "opts", [])} | {"--help", "-h"}
        named = set(re.findall(r"^\| `(--?[a-z][a-z-]*)", docs[name], flags=re.M))
        assert named <= known, f"docs/cli.md names options {named - known} that {name} lacks"
