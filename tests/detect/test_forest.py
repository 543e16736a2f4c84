"""The compiled forest gives LightGBM's own probabilities, bit for bit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import lightgbm as lgb
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fraudlink.detect import forest
from fraudlink.detect.accounts_features import account_features
from fraudlink.detect.accounts_model import MuleModel, train
from fraudlink.store import Store

pytestmark = pytest.mark.skipif(forest.lleaves is None, reason="lleaves is not installed")

Day = Callable[[int], dt.datetime]


def _booster(seed: int, rounds: int, leaves: int, objective: str = "binary") -> tuple[
    lgb.Booster, np.ndarray
]:  # fmt: skip
    """A forest fitted on random rows with missing values and a categorical column, and rows
    to predict that hold values the training never saw (new categories, negatives, extremes)."""
    rng = np.random.default_rng(seed)
    n = 400
    x = rng.normal(size=(n, 5))
    x[:, 3] = rng.integers(0, 6, n)  # categorical
    x[:, 4] = np.round(x[:, 4] * 3)  # many ties, so thresholds land on the values themselves
    x[rng.random((n, 5)) < 0.15] = np.nan
    y = ((np.nan_to_num(x[:, 0]) + (x[:, 3] == 2) + rng.normal(0, 0.5, n)) > 0.5).astype(float)
    params = {"objective": objective, "num_leaves": leaves, "min_data_in_leaf": 5,
              "verbosity": -1, "seed": seed, "deterministic": True, "num_threads": 1}  # fmt: skip
    data = lgb.Dataset(x, y, categorical_feature=[3])
    booster = lgb.train(params, data, num_boost_round=rounds)
    probe = np.vstack([x, rng.normal(scale=10, size=(100, 5))])
    probe[-100:, 3] = rng.integers(-2, 9, 100)  # unseen and negative categories
    probe[rng.random(probe.shape) < 0.1] = np.nan
    probe[-1] = [np.inf, -np.inf, 1e308, 7.0, -0.0]
    return booster, probe


@settings(max_examples=8, deadline=None)
@example(seed=3, rounds=120, leaves=15, row_major=True)  # past lleaves' default block of 34
@given(
    seed=st.integers(0, 10_000),
    rounds=st.integers(1, 60),
    leaves=st.integers(2, 31),
    row_major=st.booleans(),
)
def test_compiled_probabilities_equal_lightgbm_bit_for_bit(
    seed: int, rounds: int, leaves: int, row_major: bool
) -> None:
    booster, probe = _booster(seed, rounds, leaves)
    x = np.ascontiguousarray(probe) if row_major else np.asfortranarray(probe)
    want = booster.predict(x)
    got = forest.probabilities(booster, x, compile_from=0)
    assert got.dtype == np.float64
    assert np.array_equal(got, want)
    # The raw sums too: the sigmoid alone could not hide a different sum.
    raw = forest.compiled_raw_scores(booster, x)
    assert np.array_equal(raw, booster.predict(x, raw_score=True))


def test_small_inputs_are_predicted_by_lightgbm(monkeypatch: pytest.MonkeyPatch) -> None:
    booster, probe = _booster(1, 10, 7)

    def no_compile(*_: object) -> np.ndarray:
        raise AssertionError("compiled below the floor")

    monkeypatch.setattr(forest, "compiled_raw_scores", no_compile)
    assert not forest.compiles(len(probe), compile_from=len(probe) + 1)
    got = forest.probabilities(booster, probe, compile_from=len(probe) + 1)
    assert np.array_equal(got, booster.predict(probe))
    assert forest.compiles(forest.COMPILE_FROM_ROWS)
    assert not forest.compiles(forest.COMPILE_FROM_ROWS - 1)


def test_only_binary_forests_are_compiled() -> None:
    booster, probe = _booster(2, 5, 7, objective="regression")
    with pytest.raises(ValueError, match="binary"):
        forest.compiled_raw_scores(booster, probe)


def test_mule_model_scores_the_same_compiled(demo_store: Store, day: Day) -> None:
    """The demo's mule model over every account: compiled (row-major matrix) as predicted."""
    feats = account_features(demo_store, day(20))
    model = train(demo_store, day(20), feats=feats)
    assert not forest.compiles(feats.num_rows)
    want = model.probabilities(feats)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(forest, "COMPILE_FROM_ROWS", 0)
        got = MuleModel(model.views).probabilities(feats)
    assert np.array_equal(got, want)
    assert (want >= 0.5).any()  # the comparison reaches flagged accounts, not only the clean


def test_without_lleaves_lightgbm_predicts_at_every_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where llvmlite has no wheel: nothing is compiled, and the probabilities are the same."""
    booster, probe = _booster(4, 20, 7)
    monkeypatch.setattr(forest, "lleaves", None)
    assert not forest.compiles(10**9)
    got = forest.probabilities(booster, probe, compile_from=0)
    assert np.array_equal(got, booster.predict(probe))
    with pytest.raises(RuntimeError, match="lleaves"):
        forest.compiled_raw_scores(booster, probe)
