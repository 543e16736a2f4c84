"""`fraudlink simulate`: write a synthetic city's feeds and truth."""

from __future__ import annotations

from pathlib import Path

import click

from fraudlink.cli.common import progress_printer, simulator_config
from fraudlink.simulate import PRESETS, simulate_to_dir


@click.command()
@click.option(
    "--preset",
    default="demo",
    show_default=True,
    metavar="NAME",
    help=f"Named configuration: {', '.join(PRESETS)}.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML file whose keys override the preset (see docs/simulator.md).",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory to write feeds/, truth/ and world.json into.",
)
@click.option("--quiet", is_flag=True, help="Do not print progress.")
def simulate(preset: str, config_path: Path | None, seed: int, out: Path, quiet: bool) -> None:
    """Simulate a city and write its feeds (what members see) and truth (kept apart)."""
    cfg = simulator_config(preset, config_path)
    counts = simulate_to_dir(cfg, seed, out, progress_printer(quiet))
    total = sum(counts.values())
    click.echo(f"wrote {len(counts)} tables, {total:,} rows, to {out}")
