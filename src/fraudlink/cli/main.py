"""The command group."""

import click


@click.group()
@click.version_option(package_name="fraudlink")
def cli() -> None:
    """fraudlink: anti-telecom-fraud centre platform."""


def main() -> None:
    """Run the fraudlink command line."""
    cli()
