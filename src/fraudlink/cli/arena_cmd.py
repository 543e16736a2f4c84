"""`fraudlink arena`: replay a simulated city through the engine under each strategy, apply the
actions back onto the world, and count what was saved and whom it harmed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from fraudlink.arena import ArenaConfigError, run_arena
from fraudlink.arena.run import STRATEGY_NAMES
from fraudlink.cli.common import data_dir, progress_printer, simulator_config, world_options
from fraudlink.report import results_table

ARENA_TABLE = "arena"


def arena_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `arena` and `demo` share (besides --preset, --seed and --quiet)."""
    for option in reversed(
        [
            click.option(
                "--config",
                "config_path",
                type=click.Path(path_type=Path, dir_okay=False, exists=True),
                help="TOML file: its [arena] table sets delays and probabilities (docs/arena.md); "
                "its other tables override the preset's world.",
            ),
            click.option(
                "--out",
                type=click.Path(path_type=Path, file_okay=False),
                help="Directory for the world, the store, outcomes.json and report.html "
                "[default: DATA/arena/PRESET-seedN].",
            ),
            click.option(
                "--strategies",
                default=",".join(STRATEGY_NAMES),
                show_default=True,
                help="Comma-separated strategies to score, in this order.",
            ),
            click.option(
                "--no-detection",
                is_flag=True,
                help="Skip the card-cutting evaluation in outcomes.json (faster).",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print outcomes.json instead."),
        ]
    ):
        command = option(command)
    return command


def run_and_print(
    preset: str,
    seed: int,
    config_path: Path | None,
    out: Path | None,
    strategies: str,
    no_detection: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run the arena and print its results table (or its outcomes as JSON)."""
    cfg = simulator_config(preset, config_path, foreign=(ARENA_TABLE,))
    out = out or data_dir() / "arena" / f"{preset}-seed{seed}"
    names = tuple(s.strip() for s in strategies.split(",") if s.strip())
    try:
        outcomes = run_arena(cfg, seed, out, config_path, names, not no_detection,
                             progress_printer(quiet))  # fmt: skip
    except (ArenaConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(outcomes, indent=2, default=str))
        return
    click.echo(results_table(outcomes))
    click.echo(f"\nOutcomes: {out / 'outcomes.json'}\nReport:   {out / 'report.html'}")


def arena_command(name: str, doc: str) -> click.Command:
    """A command that runs the arena: `arena` itself, and `demo`, its default on the demo city."""

    @click.command(name=name, help=doc)
    @world_options
    @arena_options
    def command(**options: Any) -> None:
        run_and_print(**options)

    return command


arena = arena_command(
    "arena",
    """Score the strategies on one simulated city: loss prevented, intercepted and returned,
    victims warned in time, and the innocent harmed.""",
)
