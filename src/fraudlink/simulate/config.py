"""The simulator's configuration: every rate, mix, delay and size, read from TOML and checked.

A preset is a named TOML file in `presets/`; a user's file overrides a preset key by key.
Each field's docstring lives in its `doc` metadata so `docs/simulator.md` is checked against it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

PRESETS = ("tiny", "demo", "city")
_MIX_TOLERANCE = 1e-6


class ConfigError(ValueError):
    """An invalid simulator configuration; the message names the file and the field."""


def doc(text: str, default: Any) -> Any:
    """A config field with its documentation."""
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


@dataclass
class WorldConfig:
    """Size of the city and the simulated period."""

    start: str = doc("First day of the simulated period (UTC date, YYYY-MM-DD).", "2026-03-01")
    days: int = doc("Length of the simulated period in days.", 14)
    persons: int = doc("Number of residents.", 30000)
    district_mix: dict[str, float] = doc(
        "Share of residents per district (six-digit administrative code).",
        {
            "450102": 0.12,
            "450103": 0.14,
            "450105": 0.12,
            "450107": 0.15,
            "450108": 0.08,
            "450109": 0.05,
            "450110": 0.09,
            "450123": 0.04,
            "450124": 0.04,
            "450125": 0.04,
            "450126": 0.07,
            "450181": 0.06,
        },
    )


@dataclass
class PopulationConfig:
    """Who lives in the city."""

    occupation_mix: dict[str, float] = doc(
        "Share of residents per occupation.",
        {
            "employee": 0.30,
            "worker": 0.14,
            "farmer": 0.08,
            "civil_servant": 0.04,
            "self_employed": 0.07,
            "merchant": 0.02,
            "student": 0.13,
            "retired": 0.16,
            "unemployed": 0.04,
            "delivery_rider": 0.015,
            "call_centre_agent": 0.005,
        },
    )
    working_age: list[int] = doc("Age range [min, max] of working occupations.", [22, 60])
    student_age: list[int] = doc("Age range [min, max] of students.", [16, 24])
    retired_age: list[int] = doc("Age range [min, max] of retired people.", [58, 90])


@dataclass
class InstitutionsConfig:
    """Banks, operators, their outlets and staff."""

    branches_per_10k: float = doc("Bank branches per 10,000 residents (spread over banks).", 3.0)
    shops_per_10k: float = doc("Telecom shops per 10,000 residents (spread over operators).", 2.5)
    staff_per_outlet: int = doc("Members of staff who open accounts or cards at each outlet.", 4)
    bank_mix: dict[str, float] = doc(
        "Share of personal accounts per bank.",
        {
            "ICBC": 0.2,
            "ABC": 0.15,
            "BOC": 0.1,
            "CCB": 0.17,
            "BOCOM": 0.06,
            "PSBC": 0.1,
            "CMB": 0.07,
            "GXRCU": 0.1,
            "BGB": 0.05,
        },
    )
    operator_mix: dict[str, float] = doc(
        "Share of SIM cards per operator.", {"CMCC": 0.6, "CUCC": 0.2, "CTCC": 0.2}
    )


@dataclass
class AccountsConfig:
    """Bank accounts, payment accounts, SIM cards and platform accounts of ordinary life."""

    banks_per_person_mix: dict[str, float] = doc(
        "Share of adults by number of banks they hold a Class I account at.",
        {"1": 0.45, "2": 0.33, "3": 0.15, "4": 0.05, "5": 0.02},
    )
    class2_share: float = doc("Share of adults who also hold a Class II account.", 0.25)
    payment_account_share: float = doc("Share of adults with a payment-firm account.", 0.85)
    online_opening_share: float = doc("Share of Class II/III accounts opened online.", 0.8)
    minor_account_share: float = doc("Share of under-18s with a bank account.", 0.3)
    merchants_per_10k: float = doc(
        "Merchants with a corporate account, per 10,000 residents.", 40.0
    )
    small_businesses_per_10k: float = doc(
        "Small businesses that move money through quickly, per 10,000 residents.", 15.0
    )
    employers_per_10k: float = doc("Employers paying salaries, per 10,000 residents.", 20.0)
    utilities: int = doc("Utility and bill-collecting corporate accounts.", 6)
    sims_per_person_mix: dict[str, float] = doc(
        "Share of adults by number of SIM cards held.", {"1": 0.72, "2": 0.24, "3": 0.04}
    )
    platform_accounts_per_person: float = doc("Platform accounts per adult on average.", 1.6)
    history_days: int = doc(
        "Accounts and cards of ordinary people were opened up to this many days before start.",
        3650,
    )


@dataclass
class OrdinaryConfig:
    """Ordinary life: payments, bills, calls, logins; with confounders that look like fraud."""

    shopping_per_person_day: float = doc("Merchant payments per adult per day.", 0.35)
    p2p_per_person_day: float = doc("Transfers between acquaintances per adult per day.", 0.08)
    bills_per_person_month: float = doc("Bill payments per adult per month.", 2.0)
    atm_per_person_month: float = doc("ATM withdrawals per adult per month.", 0.6)
    own_transfers_per_person_month: float = doc(
        "Transfers between one's own accounts per month, for holders of two or more accounts.", 3.0
    )
    pos_share: float = doc("Share of shop card payments made at the merchant's POS terminal.", 0.2)
    salary_day: int = doc("Day of the month salaries are paid.", 10)
    business_inflows_per_day: float = doc(
        "Payments each small business receives per day (passed on within hours).", 12.0
    )
    business_hold_hours: float = doc("Median hours a small business holds money.", 3.0)
    shopping_median_yuan: float = doc("Median merchant payment in yuan.", 60.0)
    p2p_median_yuan: float = doc("Median transfer between acquaintances in yuan.", 300.0)
    bill_median_yuan: float = doc("Median bill in yuan.", 150.0)
    salary_median_yuan: float = doc("Median monthly salary in yuan.", 5500.0)
    atm_median_yuan: float = doc("Median ATM withdrawal in yuan.", 800.0)
    amount_sigma: float = doc("Log-normal sigma of ordinary amounts.", 0.9)
    night_share: float = doc("Share of ordinary activity between 00:00 and 06:00 China time.", 0.04)
    elderly_activity: float = doc("Activity factor of retired people (1 = average).", 0.5)
    student_activity: float = doc("Activity factor of students (1 = average).", 0.7)
    contacts_per_person: int = doc("Size of each person's circle of acquaintances.", 25)
    calls_per_person_day: float = doc("Calls and SMS each adult makes per day.", 0.6)
    sms_share: float = doc("Share of contacts made by SMS.", 0.25)
    call_median_seconds: float = doc("Median call length in seconds.", 90.0)
    rider_calls_per_day: float = doc("Short calls a delivery rider makes per day.", 25.0)
    call_centre_calls_per_day: float = doc("Short calls a call-centre agent makes per day.", 60.0)
    logins_per_account_day: float = doc("Mobile banking logins per active account per day.", 0.3)
    web_events_per_person_day: float = doc("URL visits and app installs per adult per day.", 0.3)
    second_hand_sellers_per_10k: float = doc(
        "People selling goods second-hand to strangers, per 10,000 residents.", 30.0
    )
    second_hand_sales_per_day: float = doc("Sales each second-hand seller makes per day.", 0.3)


@dataclass
class MarketConfig:
    """The card market: sellers (卡农), dealers (卡商), insiders (内鬼) and SIM boxes (猫池)."""

    rings: int = doc("Card-trafficking rings (each one dealer, 卡商).", 3)
    sellers_per_ring: int = doc("Card sellers (卡农) per ring.", 25)
    kits_per_seller_mix: dict[str, float] = doc(
        "Share of sellers by number of kits (bank card + SIM + ID photo + USB key) sold.",
        {"1": 0.55, "2": 0.25, "3": 0.12, "4": 0.05, "5": 0.03},
    )
    seller_occupation_mix: dict[str, float] = doc(
        "Occupations card sellers are drawn from.",
        {"student": 0.4, "unemployed": 0.25, "farmer": 0.15, "retired": 0.1, "worker": 0.1},
    )
    insider_outlets: int = doc("Outlets with an insider (内鬼) who opens cards in bulk.", 3)
    insider_share: float = doc("Share of a ring's kits opened through its insiders.", 0.35)
    kit_open_days_before: int = doc("Kits are opened up to this many days before first use.", 45)
    sim_boxes_per_gang: int = doc("SIM boxes (猫池) each gang runs.", 1)
    sims_per_sim_box: int = doc("SIM cards in one SIM box.", 16)
    virtual_number_share: float = doc("Share of fraud contacts made from virtual numbers.", 0.3)
    camouflage_per_day: float = doc(
        "Ordinary-looking transactions a mule account makes per day as camouflage.", 0.4
    )
    mules_share_device: float = doc(
        "Share of a ring's accounts logged in from the ring's shared devices.", 0.7
    )


@dataclass
class FraudTypeConfig:
    """How one fraud type unfolds."""

    duration_hours: float = doc("Median hours from first contact to first payment.", 2.0)
    payments_mean: float = doc("Mean number of payments a victim makes.", 1.5)
    amount_median_yuan: float = doc("Median payment in yuan.", 5000.0)
    payment_gap_hours: float = doc("Median hours between a victim's payments.", 1.0)


def _default_fraud_types() -> dict[str, FraudTypeConfig]:
    f = FraudTypeConfig
    return {
        "order_brushing": f(6.0, 3.0, 3000.0, 2.0),
        "fake_investment": f(240.0, 4.0, 40000.0, 48.0),
        "fake_loan": f(12.0, 2.0, 3000.0, 3.0),
        "fake_customer_service": f(0.5, 1.8, 8000.0, 0.3),
        "impersonate_police": f(3.0, 2.2, 30000.0, 2.0),
        "fake_credit_repair": f(4.0, 1.5, 8000.0, 2.0),
        "fake_shopping": f(2.0, 1.2, 1500.0, 1.0),
        "impersonate_boss": f(1.0, 1.3, 20000.0, 0.5),
        "game_trade": f(3.0, 1.5, 1200.0, 1.0),
        "romance": f(360.0, 4.0, 30000.0, 60.0),
        "other": f(6.0, 1.5, 5000.0, 3.0),
    }


@dataclass
class FraudConfig:
    """Fraud gangs and their episodes."""

    gangs: int = doc("Fraud gangs active in or against the city.", 6)
    episodes_per_100k_day: float = doc("New fraud episodes per 100,000 residents per day.", 8.0)
    type_mix: dict[str, float] = doc(
        "Share of episodes per fraud type (domain.md's statistics).",
        {
            "order_brushing": 0.33,
            "fake_investment": 0.12,
            "fake_loan": 0.09,
            "fake_customer_service": 0.1,
            "impersonate_police": 0.06,
            "fake_credit_repair": 0.05,
            "fake_shopping": 0.05,
            "impersonate_boss": 0.04,
            "game_trade": 0.02,
            "romance": 0.02,
            "other": 0.12,
        },
    )
    contact_mix: dict[str, float] = doc(
        "Share of episodes by first contact channel.", {"call": 0.5, "sms": 0.2, "app": 0.3}
    )
    victim_age_mix: dict[str, float] = doc(
        "Share of victims by age band.",
        {"16-17": 0.03, "18-40": 0.62, "41-60": 0.25, "61-90": 0.10},
    )
    dial_attempts_per_episode: float = doc(
        "Calls or SMS a gang sends to non-victims for each victim it reaches.", 300.0
    )
    follow_up_contacts: float = doc("Mean further calls between fraudster and victim.", 4.0)
    fraud_app_share: float = doc("Share of app-contact episodes that install a fraud app.", 0.6)
    types: dict[str, FraudTypeConfig] = field(
        default_factory=_default_fraud_types,
        metadata={"doc": "Per fraud type: duration, payments, amounts and gaps."},
    )


@dataclass
class LaunderingConfig:
    """Layering of victims' money through card tiers and cash-out."""

    l1_cards_per_gang: int = doc("First-level cards (一级卡) each gang holds at once.", 6)
    l2_cards_per_gang: int = doc("Second-level cards (二级卡) per gang.", 10)
    l3_cards_per_gang: int = doc("Third-level cards (三级卡) per gang.", 8)
    card_lifetime_days: float = doc("Days a mule card is used before it is dropped.", 10.0)
    l1_hold_minutes: float = doc("Median minutes money waits on a first-level card.", 8.0)
    l2_hold_minutes: float = doc("Median minutes money waits on a second-level card.", 30.0)
    l3_hold_minutes: float = doc("Median minutes money waits on a third-level card.", 90.0)
    fanout_max: int = doc("Most cards one sweep splits money into.", 4)
    third_level_share: float = doc("Share of second-level sweeps that go on to a third level.", 0.7)
    cash_out_mix: dict[str, float] = doc(
        "How laundered money leaves the ledger.",
        {"atm_cash_out": 0.32, "pos": 0.2, "crypto": 0.4, "goods": 0.08},
    )
    atm_limit_yuan: float = doc("Most cash one ATM withdrawal gives.", 20000.0)
    residue_share: float = doc("Share of a sweep left behind on the card.", 0.02)


@dataclass
class ReportsConfig:
    """Victim reports: how many, how late, how accurate."""

    report_share: float = doc("Share of victims who ever report.", 0.75)
    delay_mix: dict[str, float] = doc(
        "Share of reports by delay after the last payment.",
        {"same_day": 0.6, "days_1_3": 0.25, "days_4_14": 0.15},
    )
    inexact_amount_share: float = doc("Share of remembered payments with a rounded amount.", 0.2)
    inexact_time_minutes: float = doc("Largest error in a remembered payment time.", 60.0)
    wrong_account_share: float = doc("Share of remembered payments with a mistyped account.", 0.03)
    forgotten_payment_share: float = doc("Share of payments the victim does not mention.", 0.1)
    gives_number_share: float = doc("Share of reports that name the fraudster's number.", 0.85)
    gives_url_share: float = doc("Share of app-contact reports that name a URL or app.", 0.7)


@dataclass
class PoliceConfig:
    """Case confirmations and raids."""

    confirmation_hours: float = doc("Median hours until a reported identifier is confirmed.", 36.0)
    raids: int = doc("Raids on dens during the period (each yields a seized-evidence list).", 1)
    raid_share_of_items: float = doc("Share of a den's cards and phones found in a raid.", 0.8)


@dataclass
class MembersConfig:
    """Suspicious-account flags that members submit."""

    mule_flag_share: float = doc("Share of mule accounts that banks' own systems flag.", 0.25)
    innocent_flags_per_10k: float = doc("Innocent accounts flagged per 10,000 accounts.", 3.0)
    flag_delay_hours: float = doc("Median hours from an account's first fraud use to a flag.", 72.0)


@dataclass
class SimConfig:
    """The whole simulator configuration."""

    preset: str = doc("Name of the preset this configuration started from.", "demo")
    world: WorldConfig = field(default_factory=WorldConfig, metadata={"doc": "Size and period."})
    population: PopulationConfig = field(default_factory=PopulationConfig, metadata={"doc": ""})
    institutions: InstitutionsConfig = field(
        default_factory=InstitutionsConfig, metadata={"doc": ""}
    )
    accounts: AccountsConfig = field(default_factory=AccountsConfig, metadata={"doc": ""})
    ordinary: OrdinaryConfig = field(default_factory=OrdinaryConfig, metadata={"doc": ""})
    market: MarketConfig = field(default_factory=MarketConfig, metadata={"doc": ""})
    fraud: FraudConfig = field(default_factory=FraudConfig, metadata={"doc": ""})
    laundering: LaunderingConfig = field(default_factory=LaunderingConfig, metadata={"doc": ""})
    reports: ReportsConfig = field(default_factory=ReportsConfig, metadata={"doc": ""})
    police: PoliceConfig = field(default_factory=PoliceConfig, metadata={"doc": ""})
    members: MembersConfig = field(default_factory=MembersConfig, metadata={"doc": ""})

    @property
    def start(self) -> dt.datetime:
        """Start of the period as an aware UTC datetime."""
        d = dt.date.fromisoformat(self.world.start)
        return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _build(cls: type, data: dict[str, Any], where: str, origin: str) -> Any:
    """Make dataclass `cls` from `data`, refusing unknown keys, with a path for messages."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        if key not in known:
            raise ConfigError(f"{origin}: unknown key '{path}'")
        kwargs[key] = _coerce(known[key], value, path, origin)
    return cls(**kwargs)


def _coerce(f: dataclasses.Field[Any], value: Any, path: str, origin: str) -> Any:
    default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    if dataclasses.is_dataclass(default):
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: '{path}' must be a table")
        merged = {**dataclasses.asdict(default), **value}  # type: ignore[arg-type]
        return _build(type(default), merged, path, origin)
    if path.endswith(".types") and isinstance(default, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: '{path}' must be a table")
        out = dict(default)
        for name, sub in value.items():
            if name not in default:
                raise ConfigError(f"{origin}: unknown key '{path}.{name}'")
            if not isinstance(sub, dict):
                raise ConfigError(f"{origin}: '{path}.{name}' must be a table")
            base = dataclasses.asdict(default[name])
            out[name] = _build(FraudTypeConfig, {**base, **sub}, f"{path}.{name}", origin)
        return out
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: '{path}' must be a table of shares")
        return {str(k): value[k] for k in value}
    if isinstance(default, list):
        if not isinstance(value, list) or len(value) != len(default):
            raise ConfigError(f"{origin}: '{path}' must be a list of {len(default)} numbers")
        return list(value)
    if isinstance(default, bool) != isinstance(value, bool):
        raise ConfigError(f"{origin}: '{path}' must be {type(default).__name__}")
    if isinstance(default, str) and isinstance(value, dt.date):
        value = value.isoformat()  # an unquoted TOML date
    if isinstance(default, float) and isinstance(value, int):
        value = float(value)
    if type(value) is not type(default):
        raise ConfigError(
            f"{origin}: '{path}' must be {type(default).__name__}, got {type(value).__name__}"
        )
    return value


def validate(cfg: SimConfig, origin: str = "config") -> SimConfig:
    """Refuse negative numbers, mixes that do not sum to 1, and impossible values."""
    _check_node(cfg, "", origin)
    try:
        dt.date.fromisoformat(cfg.world.start)
    except ValueError as exc:
        raise ConfigError(f"{origin}: 'world.start' is not a YYYY-MM-DD date") from exc
    if cfg.world.days < 1 or cfg.world.persons < 100:
        raise ConfigError(f"{origin}: 'world.days' must be >= 1 and 'world.persons' >= 100")
    if cfg.preset not in PRESETS:
        raise ConfigError(f"{origin}: 'preset' {cfg.preset!r} does not exist; use one of {PRESETS}")
    for path, allowed in _mix_vocabularies().items():
        section, key = path.split(".")
        for name in getattr(getattr(cfg, section), key):
            if not allowed(name):
                raise ConfigError(f"{origin}: '{path}.{name}' is not a known key of this mix")
    for path in ("population.working_age", "population.student_age", "population.retired_age"):
        lo, hi = getattr(cfg.population, path.split(".")[1])
        if lo > hi:
            raise ConfigError(f"{origin}: '{path}' must be [min, max] with min <= max")
    if not 1 <= cfg.ordinary.salary_day <= 28:
        raise ConfigError(f"{origin}: 'ordinary.salary_day' must be a day from 1 to 28")
    return cfg


def _mix_vocabularies() -> dict[str, Callable[[str], bool]]:
    """What keys each mix may have; a mistyped key would otherwise silently drop a share."""
    from fraudlink.model import enums

    def one_of(names: Iterable[str]) -> Callable[[str], bool]:
        allowed = set(names)
        return lambda k: k in allowed

    def count(k: str) -> bool:
        return k.isdigit() and int(k) >= 1

    banks = ("ICBC", "ABC", "BOC", "CCB", "BOCOM", "PSBC", "CMB", "GXRCU", "BGB")
    return {
        "world.district_mix": lambda k: len(k) == 6 and k.isdigit() and "11" <= k[:2] <= "82",
        "population.occupation_mix": one_of(enums.OCCUPATIONS),
        "institutions.bank_mix": one_of(banks),
        "institutions.operator_mix": one_of(("CMCC", "CUCC", "CTCC")),
        "accounts.banks_per_person_mix": lambda k: count(k) and int(k) <= len(banks),
        "accounts.sims_per_person_mix": count,
        "market.kits_per_seller_mix": count,
        "market.seller_occupation_mix": one_of(enums.OCCUPATIONS),
        "fraud.type_mix": one_of(enums.FRAUD_TYPES),
        "fraud.contact_mix": one_of(enums.CONTACT_CHANNELS),
        "fraud.victim_age_mix": _age_band,
        "laundering.cash_out_mix": one_of(("atm_cash_out", "pos", "crypto", "goods")),
        "reports.delay_mix": one_of(("same_day", "days_1_3", "days_4_14")),
    }


def _age_band(key: str) -> bool:
    lo, _, hi = key.partition("-")
    return lo.isdigit() and hi.isdigit() and 16 <= int(lo) <= int(hi) <= 120


def _check_node(node: Any, where: str, origin: str) -> None:
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        path = f"{where}.{f.name}" if where else f.name
        if dataclasses.is_dataclass(value):
            _check_node(value, path, origin)
        elif (
            isinstance(value, dict)
            and value
            and dataclasses.is_dataclass(next(iter(value.values())))
        ):
            for k, sub in value.items():
                _check_node(sub, f"{path}.{k}", origin)
        elif isinstance(value, dict):
            _check_mix(value, path, origin)
        elif isinstance(value, list):
            if any(not isinstance(v, int) or v < 0 for v in value):
                raise ConfigError(f"{origin}: '{path}' must be non-negative whole numbers")
        elif isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"{origin}: '{path}' must not be negative (got {value})")
        if "share" in f.name and isinstance(value, float) and value > 1:
            raise ConfigError(f"{origin}: '{path}' is a share and must be at most 1 (got {value})")


def _check_mix(mix: dict[str, Any], path: str, origin: str) -> None:
    for k, v in mix.items():
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise ConfigError(f"{origin}: '{path}.{k}' must be a number")
        if v < 0:
            raise ConfigError(f"{origin}: '{path}.{k}' must not be negative (got {v})")
    total = float(sum(mix.values()))
    if abs(total - 1.0) > _MIX_TOLERANCE:
        raise ConfigError(f"{origin}: shares in '{path}' sum to {total:g}, not 1")


def _read_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc


def preset_text(name: str) -> str:
    """The TOML text of a named preset."""
    if name not in PRESETS:
        raise ConfigError(f"preset {name!r} does not exist; use one of {', '.join(PRESETS)}")
    return (resources.files("fraudlink.simulate.presets") / f"{name}.toml").read_text("utf-8")


def load_config(
    preset: str = "demo", path: Path | None = None, foreign: tuple[str, ...] = ()
) -> SimConfig:
    """Read a preset, lay a user's TOML file over it, and validate the result.

    `foreign` names top-level tables of the file that belong to another part (the arena's
    `[arena]`) and are left alone here."""
    data = _read_toml(preset_text(preset), f"preset {preset}")
    origin = f"preset {preset}"
    if path is not None:
        origin = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
        user = {k: v for k, v in _read_toml(text, origin).items() if k not in foreign}
        if "preset" in user:
            raise ConfigError(f"{origin}: 'preset' cannot be set in a config file; use --preset")
        data = _merge(data, user)
    data["preset"] = preset
    return validate(_build(SimConfig, data, "", origin), origin)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and not k.endswith("_mix"):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out
