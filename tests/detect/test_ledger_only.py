"""The ledger-only path: the shipped model and the bank's own labels file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudlink.detect.accounts_features import LEDGER_FEATURES
from fraudlink.detect.ledger_only import LabelFileError, read_labels, shipped_model


def test_shipped_model_reads_exactly_the_ledger_features() -> None:
    """A feature renamed or added without retraining the shipped model is caught here."""
    (view,) = shipped_model().views
    assert view.names == list(LEDGER_FEATURES)


def test_labels_are_cleaned(tmp_path: Path) -> None:
    """Separators are stripped; the check digit is checked."""
    path = tmp_path / "known.csv"
    path.write_text("account,note\n6222 0202 0000 0000 006,seized\n6217000010000000003,\n")
    assert read_labels(path) == ["6222020200000000006", "6217000010000000003"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("acct\n6217000010000000003\n", "header: missing column 'account'"),
        ("account\n6217000010000000003\n6217000010000000004\n", "row 2: field 'account'"),
        ("account\n\n", ""),
    ],
)
def test_bad_labels_are_refused_with_the_row(tmp_path: Path, text: str, message: str) -> None:
    """Each refusal names the file, the row and the field."""
    path = tmp_path / "known.csv"
    path.write_text(text)
    if not message:
        assert read_labels(path) == []
        return
    with pytest.raises(LabelFileError, match=message):
        read_labels(path)
