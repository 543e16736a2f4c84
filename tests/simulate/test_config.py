"""Loading the simulator configuration: presets, override files, and what is refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fraudlink.simulate.config import PRESETS, ConfigError, SimConfig, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "override.toml"
    path.write_text(text, "utf-8")
    return path


def refused(tmp_path: Path, text: str, preset: str = "demo") -> str:
    """The error message of loading text over the preset; fails if it loads."""
    with pytest.raises(ConfigError) as info:
        load_config(preset, write(tmp_path, text))
    return str(info.value)


@pytest.mark.parametrize("preset", PRESETS)
def test_each_preset_loads(preset: str) -> None:
    cfg = load_config(preset)
    assert isinstance(cfg, SimConfig)
    assert cfg.preset == preset
    assert cfg.world.days >= 1 and cfg.world.persons >= 100


def test_presets_differ_in_size() -> None:
    tiny, demo, city = (load_config(p) for p in ("tiny", "demo", "city"))
    assert tiny.world.persons < demo.world.persons < city.world.persons
    assert (demo.world.persons, demo.world.days) == (30000, 14)
    assert (city.world.persons, city.world.days) == (1_000_000, 30)


def test_default_preset_is_demo() -> None:
    assert load_config() == load_config("demo")


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    assert "'wrold'" in refused(tmp_path, "[wrold]\npersons = 3\n")
    assert "'seed'" in refused(tmp_path, "seed = 3\n")


def test_unknown_nested_key_is_refused_with_its_path(tmp_path: Path) -> None:
    message = refused(tmp_path, "[world]\npesons = 3\n")
    assert "world.pesons" in message
    assert str(tmp_path / "override.toml") in message


def test_unknown_fraud_type_is_refused(tmp_path: Path) -> None:
    text = "[fraud.types.lottery]\npayments_mean = 1.0\n"
    assert "fraud.types.lottery" in refused(tmp_path, text)
    assert "fraud.types.romance.pace" in refused(tmp_path, "[fraud.types.romance]\npace = 1.0\n")


def test_negative_rate_is_refused_naming_it(tmp_path: Path) -> None:
    message = refused(tmp_path, "[ordinary]\np2p_per_person_day = -1\n")
    assert "ordinary.p2p_per_person_day" in message
    assert "negative" in message


def test_negative_count_and_negative_share_in_a_mix_are_refused(tmp_path: Path) -> None:
    assert "market.rings" in refused(tmp_path, "[market]\nrings = -2\n")
    text = "[fraud]\ncontact_mix = { call = 1.2, sms = -0.2 }\n"
    assert "fraud.contact_mix.sms" in refused(tmp_path, text)


def test_mix_not_summing_to_one_is_refused_naming_it(tmp_path: Path) -> None:
    message = refused(tmp_path, "[fraud]\ncontact_mix = { call = 0.5, sms = 0.2 }\n")
    assert "fraud.contact_mix" in message
    assert "sum" in message


def test_mix_is_replaced_whole(tmp_path: Path) -> None:
    cfg = load_config("demo", write(tmp_path, "[fraud]\ncontact_mix = { call = 1.0 }\n"))
    assert cfg.fraud.contact_mix == {"call": 1.0}


def test_share_over_one_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, "[accounts]\nclass2_share = 1.5\n")
    assert "accounts.class2_share" in message
    assert "at most 1" in message


def test_preset_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="megacity"):
        load_config("megacity")
    with pytest.raises(ConfigError, match="megacity"):
        load_config("megacity", write(tmp_path, "[world]\ndays = 3\n"))


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('[world]\ndays = "x"\n', "world.days"),
        ("[world]\npersons = 3000.5\n", "world.persons"),
        ("[population]\nworking_age = [22]\n", "population.working_age"),
        ("[fraud]\ncontact_mix = 1.0\n", "fraud.contact_mix"),
        ("world = 3\n", "world"),
    ],
)
def test_wrong_type_is_refused_naming_the_field(tmp_path: Path, text: str, path: str) -> None:
    assert f"'{path}'" in refused(tmp_path, text)


def test_invalid_toml_and_missing_file_are_refused(tmp_path: Path) -> None:
    assert "not valid TOML" in refused(tmp_path, "[world\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config("demo", tmp_path / "absent.toml")


def test_impossible_world_is_refused(tmp_path: Path) -> None:
    assert "world.start" in refused(tmp_path, '[world]\nstart = "2026-02-30"\n')
    assert "world.persons" in refused(tmp_path, "[world]\npersons = 10\n")
    assert "world.days" in refused(tmp_path, "[world]\ndays = 0\n")


def test_override_changes_only_the_keys_it_names(tmp_path: Path) -> None:
    text = (
        "[world]\npersons = 50000\n"
        "[ordinary]\np2p_per_person_day = 0.2\n"
        "[fraud.types.romance]\nduration_hours = 500\n"
    )
    base = load_config("tiny")
    cfg = load_config("tiny", write(tmp_path, text))
    assert cfg.world.persons == 50000
    assert cfg.ordinary.p2p_per_person_day == 0.2
    assert cfg.fraud.types["romance"].duration_hours == 500.0
    romance = dataclasses.replace(base.fraud.types["romance"], duration_hours=500.0)
    expected = dataclasses.replace(
        base,
        world=dataclasses.replace(base.world, persons=50000),
        ordinary=dataclasses.replace(base.ordinary, p2p_per_person_day=0.2),
        fraud=dataclasses.replace(
            base.fraud,
            types={**base.fraud.types, "romance": romance},
        ),
    )
    assert cfg == expected
    assert cfg.world.days == base.world.days == 5  # the preset's value survives the override


def test_empty_override_equals_the_preset(tmp_path: Path) -> None:
    for preset in PRESETS:
        assert load_config(preset, write(tmp_path, "")) == load_config(preset)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('[world]\ndistrict_mix = {"999999" = 1.0}\n', "world.district_mix.999999"),
        ("[reports]\ndelay_mix = {weekly = 1.0}\n", "reports.delay_mix.weekly"),
        ('[fraud]\nvictim_age_mix = {"5-10" = 1.0}\n', "fraud.victim_age_mix.5-10"),
        ("[institutions]\noperator_mix = {VIRTUAL = 1.0}\n", "institutions.operator_mix.VIRTUAL"),
    ],
)
def test_unknown_key_of_a_mix_is_refused(tmp_path: Path, text: str, path: str) -> None:
    assert path in refused(tmp_path, text)


def test_any_share_over_one_is_refused(tmp_path: Path) -> None:
    assert "market.mules_share_device" in refused(tmp_path, "[market]\nmules_share_device = 3.0\n")
    assert "police.raid_share_of_items" in refused(
        tmp_path, "[police]\nraid_share_of_items = 5.0\n"
    )


def test_impossible_ranges_are_refused(tmp_path: Path) -> None:
    assert "population.working_age" in refused(tmp_path, "[population]\nworking_age = [60, 22]\n")
    assert "ordinary.salary_day" in refused(tmp_path, "[ordinary]\nsalary_day = 45\n")


def test_preset_key_in_a_file_is_refused(tmp_path: Path) -> None:
    assert "preset" in refused(tmp_path, 'preset = "city"\n')


def test_fraud_type_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    assert "fraud.types.romance" in refused(tmp_path, "[fraud.types]\nromance = 3\n")


def test_unquoted_toml_date_is_accepted(tmp_path: Path) -> None:
    assert load_config("tiny", write(tmp_path, "[world]\nstart = 2026-05-01\n")).world.start == (
        "2026-05-01"
    )
