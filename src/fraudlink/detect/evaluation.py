"""Card-cutting detection against a simulated world's truth: PR-AUC, P/R/F1 and innocents flagged.

The metric functions are pure (score tables and truth tables in, dicts out). `evaluate_detection`
runs every detector on a store and compares it with `DIR/truth/*.parquet` of the world the store
was ingested from. Truth is read only after scoring and only to compare: no detector sees it.

Protocol (see docs/detect-evaluation.md):

- Accounts (mule cards). The LightGBM model is fitted on the labels (reports, case
  confirmations, seizures, member flags) known by `split` — by default the middle of the
  world's period — with features as they stood then, and scores every account opened by
  `as_of` (by default the end of the period) from features as they stand at `as_of`. It is
  evaluated only on accounts **not already known bad at `as_of`**: an account the centre has
  been told about needs no detecting, and counting it would credit the model with the labels.
  So no evaluated account was ever a training positive, and the labels learnt between `split`
  and `as_of` inform the score only as graph features of other accounts (as they would in
  service). Positives are accounts whose true role starts with `mule`; every other evaluated
  account is innocent. Variants: the model, the same model without graph features, and the
  degree baseline (distinct counterparties), which has no probability scale and so flags the
  same number of evaluated accounts as the model does.
- SIM cards. The score has fixed weights (no training), computed at `as_of`. Abused cards are
  `fraud_caller` and `sim_box`; innocent ones are `ordinary`, `delivery_rider` and
  `call_centre`; cards sold in account kits (`mule_kit`) are neither and are left out. The
  `model` variant counts every card, as the issue's target does; `model_unlabelled` only cards
  not known bad at `as_of` (the score counts a label as a signal); the degree baseline is the
  number of distinct numbers called, flagging as many cards as the model flags.
- Insiders. The binomial test runs on the labels known at `as_of`; the staff members and
  outlets of `staff_roles.parquet` are the universe (one that opened nothing is not flagged).
  The ranking score is -log10(p). The baseline ranks staff by their count of bad openings and
  flags as many as the test.
- Rings come from `fraudlink.detect.rings.find_rings(store, as_of)` and are scored by
  `fraudlink.detect.rings_eval.ring_recovery(rings, world_dir)`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fraudlink.detect.accounts_model import average_precision
from fraudlink.store import Store

ACCOUNT_THRESHOLD = 0.5
"""Operating threshold of the mule-account model."""

MULE_PREFIX = "mule"
"""Account roles (`mule_l1`, `mule_l2`, ...) that count as positives."""

SIM_ABUSED = ("fraud_caller", "sim_box")
"""SIM roles a SIM detector should flag."""

SIM_INNOCENT = ("ordinary", "delivery_rider", "call_centre")
"""SIM roles that must not be flagged; any other role (`mule_kit`) is left out."""

Check = tuple[str, str, str, str, float]
TARGETS: tuple[Check, ...] = (
    ("accounts", "model", "pr_auc", ">=", 0.90),
    ("accounts", "model", "innocent_flagged", "<", 0.001),
    ("sims", "model", "f1", ">=", 0.90),
    ("rings", "", "rings_found_share", ">=", 0.90),
    ("insiders", "staff", "recall", ">=", 0.8),
    ("insiders", "staff", "innocent_flagged", "<=", 0.05),
)
"""The issue's targets at demo and city: (kind, variant, metric, comparison, value)."""

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


def binary_metrics(y: npt.ArrayLike, score: npt.ArrayLike, flagged: npt.ArrayLike) -> dict:
    """PR-AUC of `score` and the precision, recall, F1 and innocent share of the `flagged` rows.

    `innocent_flagged` is the share of negatives flagged (the false-positive rate). A ratio with
    an empty denominator is 0, except PR-AUC without a positive, which is NaN.
    """
    yy = np.asarray(y, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    f = np.asarray(flagged, dtype=bool)
    tp = int((f & yy).sum())
    fp = int((f & ~yy).sum())
    pos, neg = int(yy.sum()), int((~yy).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / pos if pos else 0.0
    return {
        "pr_auc": average_precision(yy, s) if len(s) else float("nan"),
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "innocent_flagged": fp / neg if neg else 0.0,
        "evaluated": len(yy),
        "positives": pos,
        "flagged": tp + fp,
        "true_positives": tp,
        "false_positives": fp,
    }


def at_threshold(y: npt.ArrayLike, score: npt.ArrayLike, threshold: float) -> dict:
    """`binary_metrics` flagging every row whose score reaches `threshold`."""
    s = np.asarray(score, dtype=np.float64)
    return {**binary_metrics(y, s, s >= threshold), "threshold": threshold}


def threshold_for_count(score: npt.ArrayLike, n: int) -> float:
    """The score of the `n`-th highest row: flagging at it flags `n` rows (more on a tie).

    With `n` 0 it is infinity (nothing flagged); with `n` past the end, the lowest score.
    """
    s = np.asarray(score, dtype=np.float64)
    if n <= 0 or not len(s):
        return math.inf
    return float(-np.partition(-s, min(n, len(s)) - 1)[min(n, len(s)) - 1])


def _in(keys: pa.Array | pa.ChunkedArray, values: Collection[str] | pa.Array) -> BoolArray:
    """A NumPy mask: which `keys` are among `values`."""
    vs = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    return np.asarray(pc.is_in(keys, value_set=vs).to_numpy(zero_copy_only=False), dtype=bool)


def _scores(t: pa.Table, column: str = "score") -> FloatArray:
    return np.asarray(pc.cast(t.column(column), pa.float64()).to_numpy(zero_copy_only=False))


def mule_accounts(roles: Mapping[str, str] | pa.Table) -> pa.Array:
    """The accounts whose true role is a mule's, from a dict or a table (account, role)."""
    if isinstance(roles, pa.Table):
        keep = pc.starts_with(roles.column("role"), MULE_PREFIX)
        return pa.array(roles.column("account").filter(keep).to_pylist(), pa.string())
    return pa.array([a for a, r in roles.items() if r.startswith(MULE_PREFIX)], pa.string())


def account_metrics(
    scores: pa.Table,
    roles: Mapping[str, str] | pa.Table,
    skip: Collection[str],
    threshold: float = ACCOUNT_THRESHOLD,
) -> dict:
    """Metrics of account `scores` (account, score) on the accounts not in `skip` (known bad).

    Positives are accounts whose role in `roles` starts with `mule`; the rest are innocent.
    """
    accounts = scores.column("account")
    keep = ~_in(accounts, skip)
    y = _in(accounts, mule_accounts(roles))[keep]
    return at_threshold(y, _scores(scores)[keep], threshold)


def matched_count_metrics(y: npt.ArrayLike, score: npt.ArrayLike, n_flag: int) -> dict:
    """Metrics of a baseline without a probability scale, flagging its top `n_flag` rows."""
    s = np.asarray(score, dtype=np.float64)
    return at_threshold(y, s, threshold_for_count(s, n_flag))


def sim_metrics(
    scores: pa.Table,
    roles: pa.Table,
    threshold: float,
    score_column: str = "score",
    skip: Collection[str] = (),
    n_flag: int | None = None,
) -> dict:
    """Metrics of SIM `scores` (msisdn, score) against `roles` (msisdn, role).

    Only cards whose role is abused or innocent count, and none in `skip`. With `n_flag`, the
    `n_flag` highest cards are flagged instead of those reaching `threshold`.
    """
    msisdn = scores.column("msisdn")
    abused = roles.column("msisdn").filter(pc.is_in(roles.column("role"), pa.array(SIM_ABUSED)))
    innocent = roles.column("msisdn").filter(pc.is_in(roles.column("role"), pa.array(SIM_INNOCENT)))
    y_all = _in(msisdn, abused.combine_chunks())
    keep = (y_all | _in(msisdn, innocent.combine_chunks())) & ~_in(msisdn, skip)
    s = _scores(scores, score_column)[keep]
    if n_flag is not None:
        return matched_count_metrics(y_all[keep], s, n_flag)
    return at_threshold(y_all[keep], s, threshold)


def _index_of(universe: pa.Array, keys: pa.ChunkedArray) -> tuple[BoolArray, npt.NDArray[Any]]:
    """For each of `universe`, whether it is in `keys` and its row there (0 when not)."""
    idx = pc.index_in(universe, value_set=keys.combine_chunks())
    found = np.asarray(pc.is_valid(idx).to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.asarray(pc.fill_null(idx, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return found, rows


def _staff_score(table: pa.Table) -> FloatArray:
    """-log10(p) of each row of an insider table: the smaller the p-value, the higher."""
    p = _scores(table, "p")
    return np.asarray(-np.log10(np.maximum(p, 1e-300)))


def insider_metrics(table: pa.Table, truth: pa.Table, key: str) -> dict:
    """Metrics of an insider table (`key`, p, flagged) against truth (staff_roles rows).

    `key` is `staff_id` or `outlet_id`; a staff member (an outlet) is positive when it is (it
    employs) an insider. Every key of `truth` is evaluated; one missing from `table` has score
    -inf and is not flagged.
    """
    universe = pc.unique(truth.column(key))
    positive = pc.unique(truth.column(key).filter(truth.column("is_insider")))
    y = _in(universe, positive)
    found, rows = _index_of(universe, table.column(key))
    if not table.num_rows:
        return binary_metrics(y, np.full(len(y), -np.inf), np.zeros(len(y), dtype=bool))
    score = np.where(found, _staff_score(table)[rows], -np.inf)
    flag_col = np.asarray(table.column("flagged").to_numpy(zero_copy_only=False), dtype=bool)
    flagged = found & flag_col[rows]
    return binary_metrics(y, score, flagged)


def staff_count_baseline(table: pa.Table, truth: pa.Table, n_flag: int) -> dict:
    """The naive insider ranking: most bad openings first, flagging the top `n_flag` staff."""
    universe = pc.unique(truth.column("staff_id"))
    positive = pc.unique(truth.column("staff_id").filter(truth.column("is_insider")))
    y = _in(universe, positive)
    found, rows = _index_of(universe, table.column("staff_id"))
    bad = _scores(table, "bad") if table.num_rows else np.zeros(1)
    score = np.where(found, bad[rows], 0.0)
    return matched_count_metrics(y, score, n_flag)


def check_targets(doc: Mapping[str, Any]) -> list[dict]:
    """Each of `TARGETS` with the measured value and whether it is met (None when unmeasured)."""
    out = []
    for kind, variant, metric, op, target in TARGETS:
        section = doc.get(kind) or {}
        if variant:
            section = (section.get("variants") or {}).get(variant) or {}
        value = section.get(metric)
        ok: bool | None = None
        if isinstance(value, int | float) and not math.isnan(value):
            ok = {">=": value >= target, "<": value < target, "<=": value <= target}[op]
        out.append({"kind": kind, "variant": variant, "metric": metric, "op": op,
                    "target": target, "value": value, "met": ok})  # fmt: skip
    return out


def world_period(world_dir: Path) -> tuple[datetime, datetime, dict[str, Any]]:
    """(start, end, world.json) of a simulated world: its period as aware UTC datetimes."""
    meta = json.loads((world_dir / "world.json").read_text("utf-8"))
    w = meta["config"]["world"]
    d = datetime.fromisoformat(w["start"])
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    return start, start + timedelta(days=int(w["days"])), meta


def _truth(world_dir: Path, name: str, columns: list[str]) -> pa.Table:
    return pq.read_table(world_dir / "truth" / f"{name}.parquet", columns=columns)


class _Clock:
    """Seconds spent per step, for the report."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def run(self, step: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        self.spent[step] = round(time.perf_counter() - t0, 3)
        return out


def evaluate_accounts(
    store: Store, world_dir: Path, as_of: datetime, split: datetime, clock: _Clock | None = None
) -> dict:
    """The model, the model without graph features and the degree baseline, by the protocol."""
    from fraudlink.detect.accounts_features import account_features
    from fraudlink.detect.accounts_model import degree_baseline, known_bad, mule_scores, train

    c = clock or _Clock()

    # Both model variants train on the same features at the split and score the same features
    # at as_of: compute each table once (at city each is about a minute).
    def tables() -> tuple[pa.Table, pa.Table]:
        at_as_of = account_features(store, as_of)
        return at_as_of, at_as_of if split == as_of else account_features(store, split)

    scored, taught = c.run("accounts_features", tables)
    model = c.run("accounts_model", lambda: mule_scores(train(store, split, feats=taught), scored))
    plain = c.run(
        "accounts_model_without_graph",
        lambda: mule_scores(train(store, split, graph=False, feats=taught), scored),
    )
    degree = c.run("accounts_degree_baseline", lambda: degree_baseline(store, as_of))
    skip = known_bad(store, as_of)
    trained_on = known_bad(store, split)
    roles = _truth(world_dir, "account_roles", ["account", "role"])
    m = account_metrics(model, roles, skip)
    d_keep = ~_in(degree.column("account"), skip)
    d_y = _in(degree.column("account"), mule_accounts(roles))[d_keep]
    return {
        "threshold": ACCOUNT_THRESHOLD,
        "known_bad_at_split": len(trained_on),
        "known_bad_at_as_of": len(skip),
        "variants": {
            "model": m,
            "model_without_graph": account_metrics(plain, roles, skip),
            "degree_baseline": matched_count_metrics(d_y, _scores(degree)[d_keep], m["flagged"]),
        },
    }


def evaluate_sims(
    store: Store, world_dir: Path, as_of: datetime, clock: _Clock | None = None
) -> dict:
    """The SIM score on every card and on cards not yet known bad, and the callee-count baseline."""
    from fraudlink.detect.sims import THRESHOLD, score_sims

    c = clock or _Clock()
    scores = c.run("sims_model", lambda: score_sims(store, as_of))
    roles = _truth(world_dir, "sim_roles", ["msisdn", "role"])
    known = scores.column("msisdn").filter(scores.column("known_bad"))
    known_set = set(known.to_pylist())
    m = sim_metrics(scores, roles, THRESHOLD)
    out_of_eval = roles.filter(
        pc.invert(pc.is_in(roles.column("role"), pa.array(SIM_ABUSED + SIM_INNOCENT)))
    )
    left_out = _in(scores.column("msisdn"), out_of_eval.column("msisdn").combine_chunks())
    return {
        "threshold": THRESHOLD,
        "known_bad_at_as_of": len(known_set),
        "left_out_roles": {
            "cards": int(left_out.sum()),
            "flagged": int((left_out & (_scores(scores) >= THRESHOLD)).sum()),
        },
        "variants": {
            "model": m,
            "model_unlabelled": sim_metrics(scores, roles, THRESHOLD, skip=known_set),
            "degree_baseline": sim_metrics(
                scores, roles, THRESHOLD, "distinct_callees", n_flag=m["flagged"]
            ),
        },
    }


def evaluate_insiders(
    store: Store, world_dir: Path, as_of: datetime, clock: _Clock | None = None
) -> dict:
    """Staff and outlets by the binomial test on labels known at `as_of`, and a count baseline."""
    from fraudlink.detect.insiders import default_labels, insider_outlets, insider_staff

    c = clock or _Clock()
    labels = default_labels(store, as_of)
    staff = c.run("insiders_staff", lambda: insider_staff(store, labels))
    outlets = c.run("insiders_outlets", lambda: insider_outlets(store, labels))
    truth = _truth(world_dir, "staff_roles", ["staff_id", "outlet_id", "is_insider"])
    s = insider_metrics(staff, truth, "staff_id")
    return {
        "labels": len(labels),
        "variants": {
            "staff": s,
            "outlets": insider_metrics(outlets, truth, "outlet_id"),
            "staff_bad_count_baseline": staff_count_baseline(staff, truth, s["flagged"]),
        },
    }


def evaluate_rings(
    store: Store, world_dir: Path, as_of: datetime, clock: _Clock | None = None
) -> dict:
    """Ring recovery from `fraudlink.detect.rings`, or why there is none yet."""
    try:
        from fraudlink.detect.rings import find_rings  # type: ignore[import-not-found,unused-ignore]
        from fraudlink.detect.rings_eval import (  # type: ignore[import-not-found,unused-ignore]
            ring_recovery,
        )
    except ImportError as exc:
        return {"available": False, "reason": f"ring detection is not importable: {exc}"}
    c = clock or _Clock()
    rings = c.run("rings", lambda: find_rings(store, as_of))
    return {"available": True, **dict(ring_recovery(rings, world_dir))}


def evaluate_detection(
    world_dir: Path,
    store: Store,
    as_of: datetime | None = None,
    split: datetime | None = None,
) -> dict:
    """Every card-cutting detector and its baselines against the world's truth, as a JSON dict.

    `as_of` (default: the end of the world's period) is when scores are computed; `split`
    (default: the middle of the period) is the last label time the account model trains on.
    The protocol is in this module's docstring. Values that are not finite become None.
    """
    start, end, meta = world_period(world_dir)
    as_of = as_of or end
    split = split or start + (end - start) / 2
    if split > as_of:
        raise ValueError(f"split {split.isoformat()} is after as_of {as_of.isoformat()}")
    clock = _Clock()
    doc: dict[str, Any] = {
        "world": {"dir": str(world_dir), "preset": meta.get("preset"), "seed": meta.get("seed")},
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(),
        "split": split.isoformat(),
        "accounts": evaluate_accounts(store, world_dir, as_of, split, clock),
        "sims": evaluate_sims(store, world_dir, as_of, clock),
        "rings": evaluate_rings(store, world_dir, as_of, clock),
        "insiders": evaluate_insiders(store, world_dir, as_of, clock),
    }
    doc["targets"] = check_targets(doc)
    doc["timings_s"] = clock.spent
    return finite(doc)


def finite(value: Any) -> Any:
    """`value` with every NaN or infinite float (at any depth) replaced by None, for JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, np.generic):
        return finite(value.item())
    return value
