"""The arena's assumptions: defaults, overrides from the [arena] table, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudlink.arena import DEFAULTS, ArenaConfigError, load_arena_config


def write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "scenario.toml"
    f.write_text(text, "utf-8")
    return f


def test_defaults_are_copied_not_shared() -> None:
    cfg = load_arena_config()
    cfg["warning"]["reach"]["visit"] = 0.0
    assert DEFAULTS["warning"]["reach"]["visit"] > 0


def test_the_arena_table_overrides_and_world_tables_are_left_alone(tmp_path: Path) -> None:
    f = write(tmp_path, """
[world]
persons = 1000

[arena.warning.delay_minutes]
visit = 15

[arena.orders.institution_minutes]
ICBC = 3
""")
    cfg = load_arena_config(f)
    assert cfg["warning"]["delay_minutes"]["visit"] == 15.0
    assert cfg["warning"]["delay_minutes"]["call_96110"] == DEFAULTS["warning"]["delay_minutes"][
        "call_96110"
    ]
    assert cfg["orders"]["institution_minutes"] == {"ICBC": 3.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[arena.warning]\nspeed = 3\n", "unknown setting 'arena.warning.speed'"),
        ("[arena.warning.reach]\nvisit = 1.5\n", "out of range"),
        ("[arena.numbers]\nblock_minutes = -1\n", "out of range"),
        ("[arena.numbers]\nblock_minutes = 'soon'\n", "must be a number"),
        ("[arena]\nwarning = 3\n", "is a table of settings, not a value"),
        ("[arena.numbers.block_minutes]\nx = 3\n", "is a value, not a table"),
        ("arena = 3\n", "'arena' must be a table"),
        ("[arena\n", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_file_and_the_setting(
    tmp_path: Path, text: str, message: str
) -> None:
    f = write(tmp_path, text)
    with pytest.raises(ArenaConfigError, match=message) as err:
        load_arena_config(f)
    assert str(f) in str(err.value)
