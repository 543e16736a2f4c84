"""The `fraudlink` command line: thin, it parses arguments and calls the parts."""

from fraudlink.cli.main import main

__all__ = ["main"]
