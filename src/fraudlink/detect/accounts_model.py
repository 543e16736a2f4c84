"""Mule-account scores: LightGBM trained on the labels the feeds hold, with per-account reasons.

Positives are accounts a report, case confirmation, seizure or member flag named by
`train_until`; member flags alone count with the member's own confidence, because members also
flag busy innocent accounts with lower confidence. Negatives are a seeded sample of the other
accounts (with graph features on, leaving out those sharing a handset with a known-bad account of
another owner): most are innocent, and the mules among them are what the model is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.accounts_features import (
    CATEGORICAL_FEATURES,
    GRAPH_FEATURES,
    KIT_FEATURES,
    LABEL_WEIGHTS_SQL,
    LABELS_SQL,
    account_features,
)
from fraudlink.store import Store

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

NEGATIVE_SAMPLE = 20_000
TOP_REASONS = 3
# Contributions cost ~40x a prediction: explain only the accounts anyone would look at.
REASON_FLOOR = 0.1
PARAMS: dict[str, object] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 0,
    "deterministic": True,
    "num_threads": 1,
    "verbosity": -1,
}
ROUNDS = 200

# fan_in + fan_out of the features, without computing the rest of them.
DEGREE_SQL = """
with t as (select from_account, to_account from transactions where time <= $as_of),
fin as (select to_account as account, count(distinct from_account) as n from t group by 1),
fout as (select from_account as account, count(distinct to_account) as n from t group by 1)
select a.account, (coalesce(fin.n, 0) + coalesce(fout.n, 0))::double as score
from bank_accounts a left join fin using (account) left join fout using (account)
where a.opened_at <= $as_of order by a.account
"""

SCORES_SCHEMA = pa.schema(
    [("account", pa.string()), ("score", pa.float64()), ("reasons", pa.list_(pa.string()))]
)


def feature_names(features: pa.Table, graph: bool = True) -> list[str]:
    """The model's input columns: every feature but the key, without the graph ones if asked."""
    names = [c for c in features.column_names if c != "account"]
    return names if graph else [c for c in names if c not in GRAPH_FEATURES]


def matrix(features: pa.Table, names: list[str]) -> FloatArray:
    """The feature columns as a float matrix, NULL as NaN (LightGBM's missing value)."""
    cols = [pc.cast(features.column(n), pa.float64()).to_numpy(zero_copy_only=False) for n in names]
    return np.column_stack(cols).astype(np.float64) if cols else np.zeros((features.num_rows, 0))


def training_labels(store: Store, train_until: datetime) -> dict[str, float]:
    """Accounts known as bad by `train_until`, each with its sample weight."""
    t = store.con.sql(LABEL_WEIGHTS_SQL, params={"as_of": train_until}).to_arrow_table()
    return dict(zip(t.column("account").to_pylist(), t.column("weight").to_pylist(), strict=True))


@dataclass(frozen=True)
class MuleView:
    """One fitted view of the mule model: its booster and the feature columns it reads."""

    booster: lgb.Booster
    names: list[str]


@dataclass(frozen=True)
class MuleModel:
    """The mule model: a behaviour view over every feature and a kit view over identity only.

    Before any raid the labelled mules are the ones already used and reported, so a single model
    learns "busy and reported" and misses dormant kits, which have no ledger yet. The kit view sees
    only how and by whom the card was opened, so it carries what labelled kits share with dormant
    ones. Either view is evidence on its own: the score is their noisy-or.
    """

    views: tuple[MuleView, ...]

    def probabilities(self, features: pa.Table) -> FloatArray:
        """Per view, each account's probability of being a mule (rows: accounts)."""
        cols = [np.asarray(v.booster.predict(matrix(features, v.names))) for v in self.views]
        return np.column_stack(cols).astype(np.float64)


def _fit_view(x: FloatArray, y: FloatArray, w: FloatArray, names: list[str]) -> MuleView:
    """Fit one view's booster on the chosen columns of the training matrix."""
    cats = [n for n in CATEGORICAL_FEATURES if n in names]
    data = lgb.Dataset(x, y, weight=w, feature_name=names, categorical_feature=cats)
    return MuleView(lgb.train(PARAMS, data, num_boost_round=ROUNDS), names)


def fit_model(
    feats: pa.Table,
    labels: dict[str, float],
    views: list[list[str]],
    unsure: npt.NDArray[np.bool_] | None = None,
    seed: int = 0,
) -> MuleModel:
    """Fit one booster per view on labelled accounts against a sample of the rest.

    `unsure` marks unlabelled accounts too likely to be mules to serve as negatives.
    """
    accounts = feats.column("account").to_pylist()
    weight = np.array([labels.get(a, 0.0) for a in accounts])
    pos = np.flatnonzero(weight > 0)
    rest = weight == 0
    if unsure is not None:
        rest &= ~unsure
    rest_idx = np.flatnonzero(rest)
    rng = np.random.default_rng(seed)
    neg = rng.choice(rest_idx, min(NEGATIVE_SAMPLE, len(rest_idx)), replace=False)
    rows = np.r_[pos, neg]
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    w = np.r_[weight[pos], np.ones(len(neg))]
    sample = feats.take(pa.array(rows))
    return MuleModel(tuple(_fit_view(matrix(sample, v), y, w, v) for v in views))


def train(
    store: Store,
    train_until: datetime,
    graph: bool = True,
    seed: int = 0,
    feats: pa.Table | None = None,
) -> MuleModel:
    """Fit the mule model on features and labels as they stood at `train_until`.

    `feats` may pass in the features at `train_until` when the caller already has them.
    """
    feats = account_features(store, train_until) if feats is None else feats
    names = feature_names(feats, graph)
    unsure = None
    if graph:
        # Sharing a handset with a known-bad account of another owner marks a likely unlabelled
        # mule: too uncertain to teach the model what an innocent account looks like.
        unsure = feats.column("bad_device_peers").to_numpy(zero_copy_only=False) > 0
    views = [names, [n for n in names if n in KIT_FEATURES]]
    return fit_model(feats, training_labels(store, train_until), views, unsure, seed)


def reasons(contrib: FloatArray, names: list[str], top: int = TOP_REASONS) -> list[list[str]]:
    """For each row, the features that pushed its score up the most, strongest first."""
    c = contrib[:, : len(names)]  # the last column is the bias
    order = np.argsort(-c, axis=1)[:, :top]
    return [[names[j] for j in row if c[i, j] > 0] for i, row in enumerate(order)]


def _explain(
    model: MuleModel, feats: pa.Table, probs: FloatArray, rows: IntArray
) -> list[list[str]]:
    """Reasons for the given rows, from whichever view is more certain for each."""
    why: list[list[str]] = [[] for _ in rows]
    lead = probs[rows].argmax(axis=1)
    for v, view in enumerate(model.views):
        mine = np.flatnonzero(lead == v)
        if not len(mine):
            continue
        x = matrix(feats.take(pa.array(rows[mine])), view.names)
        contrib = np.asarray(view.booster.predict(x, pred_contrib=True), dtype=np.float64)
        for i, r in zip(mine, reasons(contrib, view.names), strict=True):
            why[i] = r
    return why


def mule_scores(model: MuleModel, feats: pa.Table) -> pa.Table:
    """Each account's score (the views' noisy-or) with the reasons behind the higher ones."""
    probs = model.probabilities(feats)
    score = 1.0 - np.prod(1.0 - probs, axis=1)
    why: list[list[str]] = [[] for _ in range(len(score))]
    explain = np.flatnonzero(score >= REASON_FLOOR)
    if len(explain):
        for i, r in zip(explain, _explain(model, feats, probs, explain), strict=True):
            why[i] = r
    return pa.table(
        [feats.column("account"), pa.array(score), pa.array(why, pa.list_(pa.string()))],
        schema=SCORES_SCHEMA,
    )


def score_accounts(
    store: Store, as_of: datetime, train_until: datetime | None = None, graph: bool = True
) -> pa.Table:
    """Score accounts opened by `as_of` (trained on labels known by `train_until`, default then)."""
    feats = account_features(store, as_of)
    if train_until is None or train_until == as_of:
        return mule_scores(train(store, as_of, graph, feats=feats), feats)
    return mule_scores(train(store, train_until, graph), feats)


def degree_baseline(store: Store, as_of: datetime) -> pa.Table:
    """The naive score to beat: distinct counterparties in and out (account, score)."""
    return store.con.sql(DEGREE_SQL, params={"as_of": as_of}).to_arrow_table()


def known_bad(store: Store, as_of: datetime) -> set[str]:
    """Accounts already named as bad by `as_of` (no need to detect them)."""
    t = store.con.sql(LABELS_SQL, params={"as_of": as_of}).to_arrow_table()
    return set(t.column("account").to_pylist())


def average_precision(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """PR-AUC as average precision: the mean of the precision at each positive, best score first."""
    yy = np.asarray(y, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    if not yy.any():
        return float("nan")
    order = np.argsort(-s, kind="stable")
    hits = yy[order]
    # Tied scores share the precision at the end of their tie, so ordering within ties is moot.
    _, first = np.unique(-s[order], return_index=True)
    ends = np.r_[first[1:], len(s)] - 1
    group = np.repeat(np.arange(len(first)), np.diff(np.r_[first, len(s)]))
    tp_end = np.cumsum(hits)[ends]
    precision_end = tp_end / (ends + 1)
    return float(precision_end[group][hits].sum() / hits.sum())
