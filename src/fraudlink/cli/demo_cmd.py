"""`fraudlink demo`: the main job. The arena on the demo city, its results table and report."""

from __future__ import annotations

from fraudlink.cli.arena_cmd import arena_command

demo = arena_command(
    "demo",
    """Simulate the demo city, run every strategy on it through the engine, and print what each
    saved and whom it harmed; writes outcomes.json and an HTML report with charts.""",
)
