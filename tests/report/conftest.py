"""Fixtures for the report tests: fresh copies of the hand-made outcomes and extras."""

from __future__ import annotations

from typing import Any

import pytest
from report_samples import sample_extras, sample_outcomes


@pytest.fixture
def outcomes() -> dict[str, Any]:
    """Four strategies on a demo-sized world, with one target met and one not."""
    return sample_outcomes()


@pytest.fixture
def extras() -> dict[str, Any]:
    """Timeliness for three strategies and a trail with a split, a freeze and a cash-out."""
    return sample_extras()
