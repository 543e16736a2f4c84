"""Errors of ingest: a file that cannot be read at all is refused whole, naming file and cause."""

from __future__ import annotations

from pathlib import Path


class UnreadableFile(Exception):
    """A feed file that cannot be read at all; nothing of it is loaded."""

    def __init__(self, file: Path | str, cause: str) -> None:
        super().__init__(f"{file}: {cause}")
        self.file = str(file)
        self.cause = cause
