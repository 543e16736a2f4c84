"""`fraudlink detect`: a bank with only its own ledger still gets mule scores that beat degree."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.detect.accounts_model import average_precision


@pytest.fixture(scope="module")
def ledger(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo world's transactions as a bare bank export (the `transactions` profile's CSV)."""
    out = tmp_path_factory.mktemp("ledger") / "ledger.csv"
    duckdb.sql(
        f"""copy (select txn_id as id, from_account as "from", to_account as "to",
                  amount_fen / 100.0 as amount,
                  strftime(time, '%Y-%m-%dT%H:%M:%S') || '+00:00' as time, channel
           from '{demo_world}/feeds/transactions.parquet') to '{out}' (header)"""
    )
    return out


@pytest.fixture(scope="module")
def labels(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bank's known mules: registered accounts its customers reported paying."""
    out = tmp_path_factory.mktemp("labels") / "known.csv"
    feeds = demo_world / "feeds"
    duckdb.sql(
        f"""copy (select distinct p.to_account as account
           from '{feeds}/report_payments.parquet' p
           join '{feeds}/bank_accounts.parquet' b on b.account = p.to_account)
           to '{out}' (header)"""
    )
    return out


def run_detect(*args: str | Path) -> tuple[int, str]:
    """Run `fraudlink detect` and return its exit code and output."""
    result = CliRunner().invoke(cli, ["detect", "--quiet", *map(str, args)])
    return result.exit_code, result.output


def judged(demo_world: Path, scores: Path, skip: Path | None) -> dict[str, float]:
    """PR-AUC of the scores and of the degree count against the truth, leaving out the labels."""
    lab = (
        f"select account from read_csv('{skip}', types={{'account': 'varchar'}})"
        if skip
        else ("select null::varchar as account where false")
    )
    r = duckdb.sql(
        f"""with s as (select * from read_csv('{scores}', types={{'account': 'varchar'}})),
        t as (select * from '{demo_world}/feeds/transactions.parquet'),
        deg as (select account, count(distinct cp) as d from (
          select from_account as account, to_account as cp from t
          union all select to_account, from_account from t) group by account)
        select s.score, deg.d, coalesce(r.role like 'mule%', false) as y
        from s join deg using (account)
        left join '{demo_world}/truth/account_roles.parquet' r using (account)
        where s.account not in ({lab})"""
    ).fetchnumpy()
    y = r["y"].astype(bool)
    flagged = r["score"] >= 0.5
    return {
        "pr_auc": average_precision(y, r["score"]),
        "degree_pr_auc": average_precision(y, r["d"].astype(float)),
        "innocent_flagged": float((flagged & ~y).sum() / (~y).sum()),
    }


def test_ledger_alone_beats_degree(demo_world: Path, ledger: Path, tmp_path: Path) -> None:
    """No labels: the shipped model, trained on another seed's city, ranks this city's mules."""
    out = tmp_path / "scores.csv"
    code, text = run_detect("--transactions", ledger, "--profile", "transactions", "--out", out)
    assert code == 0, text
    rows = duckdb.sql(f"select * from read_csv('{out}', types={{'account': 'varchar'}})")
    assert rows.columns == ["account", "score", "reasons"]
    scores = rows.fetchnumpy()["score"]
    assert np.all(np.diff(scores) <= 0)
    named = duckdb.sql(
        f"""select count(*) from (
              select from_account from '{demo_world}/feeds/transactions.parquet'
              union select to_account from '{demo_world}/feeds/transactions.parquet'
              where to_account is not null)"""
    ).fetchall()
    assert len(scores) == named[0][0]
    figures = judged(demo_world, out, None)
    assert figures["pr_auc"] > 5 * figures["degree_pr_auc"]
    assert figures["pr_auc"] >= 0.8
    assert figures["innocent_flagged"] < 0.001


def test_labels_are_used_and_left_out_of_the_judging(
    demo_world: Path, ledger: Path, labels: Path, tmp_path: Path
) -> None:
    """With the bank's own known mules, the scores stay at least as good on the other accounts."""
    plain, with_labels = tmp_path / "plain.csv", tmp_path / "labelled.csv"
    assert run_detect("--transactions", ledger, "--profile", "transactions", "--out", plain)[0] == 0
    code, text = run_detect(
        "--transactions",
        ledger,
        "--profile",
        "transactions",
        "--labels",
        labels,
        "--out",
        with_labels,
    )
    assert code == 0, text
    before = judged(demo_world, plain, labels)
    after = judged(demo_world, with_labels, labels)
    assert after["pr_auc"] >= before["pr_auc"] - 0.02
    assert after["innocent_flagged"] < 0.001
    # Money straight from a known mule is the labels' own evidence: those accounts score higher.
    rise = duckdb.sql(
        f"""with known as (
          select account from read_csv('{labels}', types={{'account': 'varchar'}})),
        linked as (select distinct to_account as account
          from '{demo_world}/feeds/transactions.parquet'
          where from_account in (select account from known)
            and to_account not in (select account from known)),
        a as (select * from read_csv('{plain}', types={{'account': 'varchar'}})),
        b as (select * from read_csv('{with_labels}', types={{'account': 'varchar'}}))
        select avg(b.score - a.score), count(*) from a join b using (account)
        where account in (select account from linked)"""
    ).fetchall()
    assert rise[0][1] > 10 and rise[0][0] > 0


def test_bad_labels_name_the_file_row_and_field(ledger: Path, tmp_path: Path) -> None:
    """A labels file with a broken account number is refused, and no scores are written."""
    bad = tmp_path / "known.csv"
    bad.write_text("account\n6222020200000000006\nnot-a-card\n")
    out = tmp_path / "scores.csv"
    code, text = run_detect("--transactions", ledger, "--labels", bad, "--out", out)
    assert code != 0
    assert f"{bad}: row 2: field 'account'" in text  # data rows count from 1, as in ingest
    assert not out.exists()
    bad.write_text("acct\n6222020200000000006\n")
    code, text = run_detect("--transactions", ledger, "--labels", bad, "--out", out)
    assert code != 0 and "missing column 'account'" in text


def test_refused_ledger_rows_are_kept_beside_the_scores(tmp_path: Path) -> None:
    """A row with a negative amount is quarantined to OUT.quarantine.csv; the rest is scored."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "id,from,to,amount,time\n"
        "1,6222020200000000006,6217000010000000003,500.00,2026-03-01T10:00:00+00:00\n"
        "2,6217000010000000003,6222020200000000014,-3.00,2026-03-01T11:00:00+00:00\n"
    )
    out = tmp_path / "scores.csv"
    code, text = run_detect("--transactions", ledger, "--profile", "transactions", "--out", out)
    assert code == 0, text
    quarantine = duckdb.sql(f"select * from '{out}.quarantine.csv'").fetchall()
    assert len(quarantine) == 1 and quarantine[0][2] == "amount_fen"
    assert len(duckdb.sql(f"select * from '{out}'").fetchall()) == 2


def one_payment_ledger(tmp_path: Path) -> Path:
    """A bank's ledger export of one payment between two cards."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "id,from,to,amount,time\n"
        "1,6222020200000000006,6217000010000000003,500.00,2026-03-01T10:00:00+00:00\n"
    )
    return ledger


def test_labels_outside_the_ledger_leave_the_shipped_model(tmp_path: Path) -> None:
    """Known mules the ledger never names cannot train a model; the shipped one still scores."""
    ledger = one_payment_ledger(tmp_path)
    known = tmp_path / "known.csv"
    known.write_text("account\n6222020200000000014\n")
    out, plain = tmp_path / "scores.csv", tmp_path / "plain.csv"
    code, text = run_detect(
        "--transactions", ledger, "--profile", "transactions", "--labels", known, "--out", out
    )
    assert code == 0, text
    assert run_detect("--transactions", ledger, "--profile", "transactions", "--out", plain)[0] == 0
    assert out.read_text() == plain.read_text()


def test_a_bad_label_is_refused_with_its_row_counted_like_ingest(tmp_path: Path) -> None:
    """Row 1 is the first row under the header, as in the quarantine of `fraudlink ingest`."""
    labels = tmp_path / "known.csv"
    labels.write_text("account\n6217000010000000003\n6217000010000000004\n", "utf-8")
    out = tmp_path / "scores.csv"
    code, text = run_detect("--transactions", labels, "--labels", labels, "--out", out)
    assert code == 1
    assert f"{labels}: row 2: field 'account': not an account number" in text
    labels.write_text("acct\n6217000010000000003\n", "utf-8")
    code, text = run_detect("--transactions", labels, "--labels", labels, "--out", out)
    assert code == 1 and "header: missing column 'account'" in text
    assert not out.exists()


def test_the_chinese_terms_appear_once_beside_their_english_names(tmp_path: Path) -> None:
    """The last progress line says what the scores are; the CSV's header is unchanged."""
    ledger = one_payment_ledger(tmp_path)
    out = tmp_path / "scores.csv"
    args = ["detect", "--transactions", str(ledger), "--profile", "transactions", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert re.findall(r"[\u4e00-\u9fff]+", result.stderr) == ["断卡", "涉诈账户"]
    assert f"wrote {out}: card-cutting (断卡) scores of 2 accounts as likely mule accounts" in (
        result.stderr
    )
    assert out.read_text().splitlines()[0] == '"account","score","reasons"'
