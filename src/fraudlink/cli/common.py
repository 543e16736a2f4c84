"""Helpers shared by the subcommands: the store, the data directory, progress lines, tables."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from fraudlink.simulate import PRESETS, ConfigError, SimConfig, load_config
from fraudlink.store import Store, default_db_path

DATA_ENV = "FRAUDLINK_DATA"


def world_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --preset, --seed and --quiet options every simulating command takes."""
    command = click.option("--quiet", is_flag=True, help="Do not print progress.")(command)
    command = click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")(
        command
    )
    return click.option(
        "--preset",
        default="demo",
        show_default=True,
        metavar="NAME",
        help=f"Named configuration: {', '.join(PRESETS)}.",
    )(command)


def simulator_config(
    preset: str, path: Path | None = None, foreign: tuple[str, ...] = ()
) -> SimConfig:
    """The simulator configuration, or a usage error that names the file and the field."""
    try:
        return load_config(preset, path, foreign)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def open_store(db: Path | None, *, create: bool = False, read_only: bool = False) -> Store:
    """The store named by `--db` (default DATA/fraudlink.duckdb), or a refusal naming the file.

    Only `fraudlink ingest`, which loads feeds, passes `create`: every other command refuses a
    missing path, a file that is not a DuckDB database and a database that is not a fraudlink
    store (a mistyped `--db` must not answer from a new, empty store), and writes nothing.
    """
    path = db or default_db_path()
    try:
        return Store(path, read_only=read_only, create=create)
    except RuntimeError as exc:  # StoreError, or a store newer than this fraudlink (migrate)
        message = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
        if not create and not path.exists():
            message += " (is the path right? `fraudlink ingest --db FILE` creates a store)"
        if "conflicting lock" in message.lower():
            # DuckDB lets one process at a time open a store file, and a running server holds it.
            message += (
                "\nAnother process holds this store (is `fraudlink serve` running on it?): stop "
                "it first, or work through the server while it runs (a supervisor deactivates a "
                "user with POST /api/v1/centre/users/USERNAME/deactivate and sees the audit "
                "chain's verdict at /audit)."
            )
        raise click.ClickException(message) from exc


def data_dir() -> Path:
    """Where fraudlink keeps its files: $FRAUDLINK_DATA, else ./data."""
    return Path(os.environ.get(DATA_ENV, "data"))


def progress_printer(quiet: bool) -> Callable[[str], None] | None:
    """A progress callback that prints elapsed time and a step to stderr, or None when quiet."""
    if quiet:
        return None
    t0 = time.perf_counter()

    def show(step: str) -> None:
        click.echo(f"[{time.perf_counter() - t0:7.1f} s] {step}", err=True)
        sys.stderr.flush()

    return show


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with right-aligned numbers."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in r] for r in rows]
    widths = [max(_display(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, r in enumerate(cells):
        parts = []
        for i, v in enumerate(r):
            pad = widths[i] - _display(v)
            numeric = n > 0 and i > 0
            parts.append(" " * pad + v if numeric else v + " " * pad)
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(v: object) -> str:
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def _display(s: str) -> int:
    """Terminal width of a string: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
