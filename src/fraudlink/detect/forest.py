"""A fitted LightGBM forest's probabilities, compiled to machine code for the big runs.

The engine scores every account of the city each week with a model fitted that week, so a
forest is predicted over millions of rows once and then thrown away. LightGBM's own `predict`
walks its trees through generic nodes (about 2.2 µs a row for 200 trees at city); lleaves
compiles the same trees with LLVM into branches on constants (about 0.65 µs a row, after a
compile of under a second). The probabilities are the same doubles, bit for bit, because:

- the trees are compiled as one block (`fblocksize` = the number of trees), so each row's leaf
  values are summed in tree order, as LightGBM sums them (cache blocks would change the order,
  and the last bit of about nine rows in ten);
- the sum comes out raw, and the sigmoid is scipy's `expit`, `1 / (1 + exp(-x))` with the C
  library's `exp`, as LightGBM's binary objective computes it (NumPy's vectorised `exp` differs in
  the last bit for about 4% of rows).

Below `COMPILE_FROM_ROWS` rows the compile costs more than it saves, so LightGBM predicts. Where
lleaves cannot be installed (it needs llvmlite's wheels), LightGBM predicts at every size.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import scipy.special

try:
    import lleaves
except ImportError:  # pragma: no cover - only on Pythons llvmlite has no wheels for
    lleaves = None

FloatArray = npt.NDArray[np.float64]

# Break-even: a compile of about 0.7 s against 1.5 µs a row saved.
COMPILE_FROM_ROWS = 500_000
# Rows are predicted independently, so the thread count cannot change a probability. It is given
# explicitly because otherwise LightGBM keeps the OpenMP setting training left (one thread).
PREDICT_THREADS = (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)


# What `expit` reproduces: LightGBM's sigmoid with its default scale.
BINARY_OBJECTIVE = "objective=binary sigmoid:1\n"


def compiles(n_rows: int, compile_from: int | None = None) -> bool:
    """Whether `probabilities` compiles the forest for this many rows (then a row-major matrix
    saves it a copy; LightGBM reads either layout as fast)."""
    floor = COMPILE_FROM_ROWS if compile_from is None else compile_from
    return lleaves is not None and n_rows >= floor


def compiled_raw_scores(booster: lgb.Booster, x: FloatArray) -> FloatArray:
    """Each row's raw score (the sum of its leaves), from the forest compiled by lleaves."""
    if lleaves is None:
        raise RuntimeError("lleaves is not installed: no forest can be compiled")
    with tempfile.TemporaryDirectory(prefix="fraudlink-forest-") as tmp:
        path = Path(tmp) / "model.txt"
        booster.save_model(path)
        if BINARY_OBJECTIVE not in path.read_text():
            raise ValueError("only a binary forest with the default sigmoid can be compiled")
        forest = lleaves.Model(model_file=str(path))
        # One block of every tree: the sum in LightGBM's order. Inlining would make the compile
        # four times longer for a quarter less predicting, a loss for one use of the forest.
        forest.compile(raw_score=True, fblocksize=max(booster.num_trees(), 1), finline=False)
    return np.asarray(forest.predict(np.ascontiguousarray(x), n_jobs=PREDICT_THREADS))


def probabilities(
    booster: lgb.Booster, x: FloatArray, compile_from: int | None = None
) -> FloatArray:
    """A binary forest's probability for each row of `x`: LightGBM's `predict`, bit for bit."""
    if not compiles(len(x), compile_from):
        return np.asarray(booster.predict(x, num_threads=PREDICT_THREADS), dtype=np.float64)
    return np.asarray(scipy.special.expit(compiled_raw_scores(booster, x)), dtype=np.float64)
