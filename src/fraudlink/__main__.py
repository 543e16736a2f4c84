"""`python -m fraudlink` runs the command line."""

from fraudlink.cli import main

main()
