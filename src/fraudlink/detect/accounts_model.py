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
from fraudlink.detect.forest import PREDICT_THREADS, compiles, probabilities
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


def matrix(features: pa.Table, names: list[str], row_major: bool = False) -> FloatArray:
    """The feature columns as a float matrix, NULL as NaN (LightGBM's missing value)."""
    # Column-major by default, each column one contiguous copy (0.2 s at city against 0.45 s
    # row-major); LightGBM reads either layout as the same values. A compiled forest reads rows,
    # and filling them directly is cheaper than transposing afterwards (1 to 2 s at city).
    x = np.empty((features.num_rows, len(names)), dtype=np.float64, order="C" if row_major else "F")
    for j, n in enumerate(names):
        x[:, j] = pc.cast(features.column(n), pa.float64()).to_numpy(zero_copy_only=False)
    return x


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
        rows = compiles(features.num_rows)
        cols = [probabilities(v.booster, matrix(features, v.names, rows)) for v in self.views]
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
        contrib = view.booster.predict(x, pred_contrib=True, num_threads=PREDICT_THREADS)
        contrib = np.asarray(contrib, dtype=np.float64)
        for i, r in zip(mine, reasons(contrib, view.names), strict=True):
            why[i] = r
    return why


def _reason_lists(n: int, rows: IntArray, why: list[list[str]]) -> pa.ListArray:
    """`n` lists of reasons, empty except at `rows`, which get `why` in order."""
    # Built from offsets rather than from n Python lists: most accounts have no reasons.
    lengths = np.zeros(n, dtype=np.int32)
    lengths[rows] = [len(w) for w in why]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    values = pa.array([r for w in why for r in w], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def mule_scores(model: MuleModel, feats: pa.Table, reasons: bool = True) -> pa.Table:
    """Each account's score (the views' noisy-or), with reasons for the higher ones if asked."""
    # Reasons cost a contribution pass per explained account; a caller wanting only scores (the
    # engine's weekly run) skips it, and gets the same scores with every reason list empty.
    probs = model.probabilities(feats)
    score = 1.0 - np.prod(1.0 - probs, axis=1)
    explain = np.flatnonzero(score >= REASON_FLOOR) if reasons else np.zeros(0, dtype=np.intp)
    why = _explain(model, feats, probs, explain) if len(explain) else []
    return pa.table(
        [feats.column("account"), pa.array(score), _reason_lists(len(score), explain, why)],
        schema=SCORES_SCHEMA,
    )


def score_accounts(
    store: Store,
    as_of: datetime,
    train_until: datetime | None = None,
    graph: bool = True,
    reasons: bool = True,
    ledger: pa.Table | None = None,
) -> pa.Table:
    """Score accounts opened by `as_of` (trained on labels known by `train_until`, default then).

    `ledger` may pass in the accounts' payment figures at `as_of` (see `account_features`)."""
    feats = account_features(store, as_of, ledger=ledger)
    if train_until is None or train_until == as_of:
        return mule_scores(train(store, as_of, graph, feats=feats), feats, reasons)
    return mule_scores(train(store, train_until, graph), feats, reasons)


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
