"""Rebuild the shipped ledger-only mule model from a simulated city.

Run: uv run python scripts/train_ledger_model.py [--seed 101] [--out PATH]

The world is the `demo` preset at a seed no test or benchmark uses, so the model is always judged
on other worlds. Its labels are the feeds' own (reports, case confirmations, seizures, member
flags) at the end of the period, never the simulator's truth.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from fraudlink.detect.accounts_features import LEDGER_FEATURES, account_features
from fraudlink.detect.accounts_model import fit_model, training_labels
from fraudlink.detect.ledger_only import SHIPPED_MODEL, ledger_end
from fraudlink.ingest import ingest_paths
from fraudlink.simulate import load_config, simulate_to_dir
from fraudlink.store import Store


def main() -> None:
    """Simulate, ingest, fit the ledger view and write it where the package ships it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--out", type=Path, default=SHIPPED_MODEL)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        simulate_to_dir(load_config("demo"), args.seed, world)
        with Store(Path(tmp) / "store.duckdb") as store:
            ingest_paths(store, [world / "feeds"])
            end = ledger_end(store)
            feats = account_features(store, end, ledger_only=True)
            model = fit_model(feats, training_labels(store, end), [list(LEDGER_FEATURES)])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.views[0].booster.save_model(str(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
