"""The `fraudlink` command group; each subcommand lives in its own module."""

from __future__ import annotations

import click

from fraudlink import __version__
from fraudlink.cli.arena_cmd import arena
from fraudlink.cli.demo_cmd import demo
from fraudlink.cli.detect_cmd import detect
from fraudlink.cli.evaluate_cmd import evaluate
from fraudlink.cli.ingest_cmd import export, ingest
from fraudlink.cli.match_cmd import match
from fraudlink.cli.migrate_cmd import migrate
from fraudlink.cli.orders_cmd import orders
from fraudlink.cli.returns_cmd import returns
from fraudlink.cli.rings_cmd import rings
from fraudlink.cli.serve_cmd import audit, serve, users, warnings
from fraudlink.cli.simulate_cmd import simulate
from fraudlink.cli.trace_cmd import trace


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fraudlink")
def cli() -> None:
    """fraudlink: the platform of a city anti-telecom-fraud centre and its alliance.

    Start with `fraudlink demo`: it simulates a small city, replays it through the engine under
    four strategies and prints what each saved and whom it harmed.
    """


cli.add_command(simulate)
cli.add_command(demo)
cli.add_command(ingest)
cli.add_command(export)
cli.add_command(migrate)
cli.add_command(returns)
cli.add_command(match)
cli.add_command(trace)
cli.add_command(orders)
cli.add_command(detect)
cli.add_command(rings)
cli.add_command(evaluate)
cli.add_command(arena)
cli.add_command(serve)
cli.add_command(users)
cli.add_command(audit)
cli.add_command(warnings)


def main() -> None:
    """Run the fraudlink command line."""
    cli()
