"""Mule scores for a bank that has only its own ledger (and perhaps its own list of known mules).

Without labels the bank gets the shipped model: a behaviour view trained on a simulated city's
ledger with that city's feed labels (scripts/train_ledger_model.py rebuilds it). With labels, a
model is also fitted on the bank's own known mules, with links to them as features, and the two
are combined by noisy-or, so a handful of labels adds to the shipped prior instead of replacing it.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import lightgbm as lgb
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.accounts_features import LEDGER_FEATURES, account_features
from fraudlink.detect.accounts_model import (
    MuleModel,
    MuleView,
    fit_model,
    mule_scores,
)
from fraudlink.model.identifiers import Card
from fraudlink.store import Store
from fraudlink.store.store import scalar

SHIPPED_MODEL = Path(__file__).parent / "models" / "ledger_mules.txt"
LABEL_LINKS = ("bad_in_cp", "bad_out_cp")
LABEL_SOURCE = "bank"  # the member id the bank's own labels are recorded under


class LabelFileError(ValueError):
    """A labels file that cannot be used; the message names the file, the row and the field."""


def read_labels(path: Path) -> list[str]:
    """The accounts listed in a labels CSV (column `account`), cleaned and checked; a bad one is
    refused with its row counted as ingest counts them (the first row under the header is 1)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or "account" not in reader.fieldnames:
                raise LabelFileError(f"{path}: header: missing column 'account'")
            accounts = []
            for row_no, row in enumerate(reader, start=1):
                raw = (row.get("account") or "").strip()
                clean = Card.clean(raw)
                if clean is None:
                    raise LabelFileError(
                        f"{path}: row {row_no}: field 'account': not an account number: {raw!r}"
                    )
                accounts.append(clean)
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelFileError(f"{path}: cannot read: {exc}") from exc
    return accounts


def record_labels(store: Store, accounts: list[str], at: datetime) -> None:
    """Enter the bank's known mules as its own flags, so the link features can see them."""
    rows = [
        (i, at, LABEL_SOURCE, "account", a, 1.0, "listed in --labels")
        for i, a in enumerate(sorted(set(accounts)))
    ]
    with store.transaction():
        store.con.executemany(
            "insert into member_flags (flag_id, flagged_at, inst_id, kind, value, confidence,"
            " reason) values (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def shipped_model() -> MuleModel:
    """The ledger-only model trained on a simulated city, as shipped with fraudlink."""
    booster = lgb.Booster(model_file=str(SHIPPED_MODEL))
    return MuleModel((MuleView(booster, list(booster.feature_name())),))


def ledger_end(store: Store) -> datetime:
    """The time of the last transaction in the ledger."""
    end = scalar(store.con, "select max(time) from transactions")
    if not isinstance(end, datetime):
        raise ValueError("the ledger has no transactions")
    return end


def score_ledger(store: Store, labels: list[str] | None = None) -> pa.Table:
    """Score every account a bank's ledger names, with reasons (account, score, reasons)."""
    as_of = ledger_end(store)
    if labels:
        record_labels(store, labels, as_of)
    feats = account_features(store, as_of, ledger_only=True)
    views = list(shipped_model().views)
    named = pc.is_in(feats.column("account"), pa.array(labels or [], pa.string()))
    # A model needs known mules among the ledger's accounts; links to others still count.
    if labels and pc.any(named).as_py():
        own = fit_model(feats, dict.fromkeys(labels, 1.0), [[*LEDGER_FEATURES, *LABEL_LINKS]])
        views += own.views
    return mule_scores(MuleModel(tuple(views)), feats)
