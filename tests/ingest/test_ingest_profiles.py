"""Mapping profiles read members' own exports: other headers, time formats, yuan, GBK."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.cli.ingest_cmd import ingest
from fraudlink.ingest import ProfileError, ingest_paths, load_profile, shipped_profiles
from fraudlink.ingest.problems import Problems
from fraudlink.ingest.profiles import yuan_to_fen
from fraudlink.store import Store

CARD_A, CARD_B = "6222020000000000018", "6222020000000000026"
CARD_C = "6225880000000001"  # another bank's 16-digit card, Luhn-valid


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def rows(store: Store) -> list[dict[str, object]]:
    return store.arrow(
        "select txn_id, time, from_account, to_account, amount_fen, channel "
        "from transactions order by time, amount_fen"
    ).to_pylist()


def test_shipped_profiles() -> None:
    assert {"transactions", "cn_bank_ledger"} <= set(shipped_profiles())


def test_generic_ledger_with_yuan_and_three_time_formats(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(
        "from,to,amount,time\n"
        f"{CARD_A},{CARD_B},1234.5,2026-03-01T00:00:00Z\n"  # ISO 8601 with zone
        f'{CARD_B},{CARD_C},"2,000",1772323200\n'  # epoch seconds
        f"{CARD_C},{CARD_A},0.07,2026-03-01 16:00:00\n",  # China time, no zone
        "utf-8",
    )
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert not report.errors and report.feeds["transactions"].loaded == 3
    got = rows(store)
    assert [r["amount_fen"] for r in got] == [123450, 200000, 7]
    times = [r["time"].isoformat() for r in got]
    assert times == [
        "2026-03-01T00:00:00+00:00",
        "2026-03-01T00:00:00+00:00",
        "2026-03-01T08:00:00+00:00",
    ]
    assert {r["channel"] for r in got} == {"transfer"}
    # Ids derived from the rows are stable: re-ingesting adds nothing.
    again = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert again.feeds["transactions"].duplicate == 3 and store.count("transactions") == 3


def test_identical_rows_without_ids_are_kept_apart(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    line = f"{CARD_A},{CARD_B},50,2026-03-01T00:00:00Z\n"
    path.write_text("from,to,amount,time\n" + line * 2, "utf-8")
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert report.feeds["transactions"].loaded == 2


def test_amount_with_more_than_two_decimals_is_quarantined(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(f"from,to,amount,time\n{CARD_A},{CARD_B},1.005,2026-03-01T00:00:00Z\n", "utf-8")
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert report.feeds["transactions"].quarantined == 1
    [q] = store.arrow("select field, value, reason from quarantine").to_pylist()
    assert q["field"] == "amount_fen" and q["value"] == "1.005"


def test_chinese_headers_in_gbk(store: Store, tmp_path: Path) -> None:
    text = (
        "交易流水号,交易时间,付款账号,收款账号,交易金额(元),交易渠道,终端号\n"
        f"A001,2026-03-02 09:30:00,{CARD_A},{CARD_B},88.80,转账,\n"
        f"A002,2026-03-02 10:00:00,{CARD_B},,500.00,ATM取现,ATM-0001\n"
    )
    path = tmp_path / "icbc-export.csv"
    path.write_bytes(text.encode("gbk"))
    report = ingest_paths(store, [path], profile=load_profile("cn_bank_ledger"))
    assert not report.errors and report.feeds["transactions"].loaded == 2
    got = rows(store)
    assert [r["channel"] for r in got] == ["transfer", "atm_cash_out"]
    assert got[0]["time"].isoformat() == "2026-03-02T01:30:00+00:00"
    assert got[1]["to_account"] is None and got[1]["amount_fen"] == 50000


def test_profile_from_a_file_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "mine.toml"
    good.write_text('feed = "calls"\n[columns]\ncaller = "主叫"\n', "utf-8")
    assert load_profile(str(good)).columns == {"caller": "主叫"}
    bad = tmp_path / "bad.toml"
    bad.write_text('feed = "calls"\n[columns]\nnot_a_column = "x"\n', "utf-8")
    with pytest.raises(ProfileError, match="no column 'not_a_column'"):
        load_profile(str(bad))
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile("no-such-profile")


# Amounts in yuan too large for int64 fen are quarantined, never wrapped round.

MAX_FEN = 2**63 - 1


def test_yuan_amount_too_large_for_fen_is_quarantined(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    amounts = [
        "184467440737095517.16",  # 2**64 + 100 fen: wrapped round to 1.00 yuan before
        "99999999999999999.99",  # wrapped round to a negative amount before
        "92233720368547758.08",  # one fen more than int64 holds
        "99999999999999999999999",  # more digits than int64 has
        "92233720368547758.07",  # the largest amount that fits: loaded exactly
        "5",
    ]
    path.write_text(
        "id,from,to,amount,time\n"
        + "".join(
            f"W{i},{CARD_A},{CARD_B},{a},2026-03-01T00:00:00Z\n" for i, a in enumerate(amounts)
        ),
        "utf-8",
    )
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    s = report.feeds["transactions"]
    assert not report.errors and (s.read, s.loaded, s.quarantined) == (6, 2, 4)
    assert sorted(r["amount_fen"] for r in rows(store)) == [500, MAX_FEN]
    got = store.arrow("select row_number, field, value, reason from quarantine order by 1")
    assert [(q["row_number"], q["field"], q["value"]) for q in got.to_pylist()] == [
        (i + 1, "amount_fen", a) for i, a in enumerate(amounts[:4])
    ]
    assert all(q["reason"].startswith("amount too large") for q in got.to_pylist())


def test_rule_refusals_quarantine_the_values_as_sent(store: Store, tmp_path: Path) -> None:
    """A rule judged on the converted value (fen, UTC) still shows the export's own text."""
    path = tmp_path / "ledger.csv"
    path.write_text(
        "id,from,to,amount,time\n"
        f"R1,{CARD_A},{CARD_B},-3.00,2026-03-01T00:00:00Z\n"
        f"R2,{CARD_A},{CARD_B},5.00,2099-03-02T10:00:00Z\n",
        "utf-8",
    )
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert report.feeds["transactions"].quarantined == 2
    got = store.arrow("select row_number, field, value, reason from quarantine order by 1")
    assert [(q["row_number"], q["field"], q["value"]) for q in got.to_pylist()] == [
        (1, "amount_fen", "-3.00"),
        (2, "time", "2099-03-02T10:00:00Z"),
    ]


def expected_fen(text: str) -> int | None:
    """What a yuan amount is in fen, by the documented rule; None where it is not one or too big."""
    m = re.fullmatch(r"([+-]?)(\d+)(?:\.(\d{0,2}))?", text.strip().replace(",", ""), re.ASCII)
    if m is None:
        return None
    fen = int(m[2]) * 100 + int((m[3] or "").ljust(2, "0"))
    fen = -fen if m[1] == "-" else fen
    return fen if abs(fen) <= MAX_FEN else None


def grouped(n: int) -> str:
    return f"{n:,}"


AMOUNT_TEXT = st.builds(
    lambda sign, zeros, whole, group, frac: (
        sign + "0" * zeros + (grouped(whole) if group else str(whole)) + frac
    ),
    st.sampled_from(["", "+", "-"]),
    st.integers(0, 2),
    st.one_of(
        st.integers(0, 10**6),
        st.integers(0, 10**25),
        st.integers(MAX_FEN // 100 - 2, MAX_FEN // 100 + 2),
        st.integers(2**64 // 100 - 2, 2**64 // 100 + 2),
    ),
    st.booleans(),
    st.one_of(st.just(""), st.just("."), st.from_regex(r"\A\.\d{1,3}\Z")),
)
JUNK = st.text(alphabet="0123456789+-.,e xy", max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(AMOUNT_TEXT, JUNK, st.none()), max_size=20))
def test_yuan_text_loads_as_exactly_its_fen_or_is_quarantined(texts: list[str | None]) -> None:
    problems = Problems(len(texts))
    got = yuan_to_fen(pa.array(texts, pa.string()), "amount_fen", problems).to_pylist()
    for i, (text, fen) in enumerate(zip(texts, got, strict=True)):
        want = None if text is None else expected_fen(text)
        if want is not None:
            assert fen == want and not problems.bad[i], text
        else:
            assert fen is None, text
            empty = text is None or not text.strip()
            assert problems.bad[i] == (not empty), text


# Profile settings are checked when the profile is loaded, naming the file and the setting.


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ('encoding = "klingon"', "'encoding'"),
        ('encoding = "rot13"', "'encoding'"),  # a codec, but not a text encoding
        ("encoding = 936", "'encoding'"),
        ('delimiter = ";;"', "'delimiter'"),
        ('delimiter = ""', "'delimiter'"),
        ('delimiter = "；"', "'delimiter'"),  # full-width: the CSV reader needs one byte
        ('delimiter = "\\""', "'delimiter'"),
        ('time_format = "epoch_ms"', "'time_format'"),
        ('amount_unit = "dollars"', "'amount_unit'"),
        ('derive_id = "no_such_column"', "'derive_id'"),
        ('columns = "amount"', "'columns'"),
        ("[defaults]\nchannel = [1, 2]", "'defaults.channel'"),
        ('[values]\nchannel = "transfer"', "'values.channel'"),
    ],
)
def test_bad_profile_setting_is_refused_when_loaded(tmp_path: Path, setting: str, key: str) -> None:
    path = tmp_path / "my-bank.toml"
    path.write_text(f'feed = "transactions"\n{setting}\n', "utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(str(path))
    assert str(err.value).startswith(f"profile {path}: {key}")


def test_feed_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('feed = ["transactions"]\n', "utf-8")
    with pytest.raises(ProfileError, match="'feed' must name a feed"):
        load_profile(str(path))


def test_numbers_in_defaults_are_taken_as_text(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('feed = "transactions"\n[defaults]\nterminal = 42\n', "utf-8")
    assert load_profile(str(path)).defaults == {"terminal": "42"}


@pytest.mark.parametrize("setting", ['encoding = "klingon"', 'delimiter = ";;"'])
def test_cli_refuses_a_bad_profile_without_a_traceback(tmp_path: Path, setting: str) -> None:
    profile = tmp_path / "my-bank.toml"
    profile.write_text(f'feed = "transactions"\n{setting}\n', "utf-8")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"from,to,amount,time\n{CARD_A},{CARD_B},5,2026-03-01T00:00:00Z\n", "utf-8")
    args = [str(ledger), "--profile", str(profile), "--db", str(tmp_path / "s.duckdb")]
    result = CliRunner().invoke(ingest, args)
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, LookupError | TypeError)
    assert f"profile {profile}: '{setting.split()[0]}'" in result.output
    assert "Traceback" not in result.output
