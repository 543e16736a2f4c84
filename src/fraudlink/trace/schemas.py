"""The tables fund control's parts hand each other: tracing → orders, tracing → returns."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

# Where a victim's money is at the trace time, per account, under one attribution method.
POSITIONS = pa.schema([
    ("report_id", pa.string()),      # the victim's report
    ("account", pa.string()),        # the account holding some of the victim's money
    ("amount_fen", pa.int64()),      # the victim's money still in that account
    ("method", pa.string()),         # 'fifo' (2016 rules, default), 'pro_rata', 'poison'
    ("hops", pa.int16()),            # fewest hops from the victim's payment (1 = first-level)
    ("last_in_at", TS),              # when the victim's money last arrived there
    ("as_of", TS),                   # the trace time
])  # fmt: skip

# Victim money that left the ledger (cash-out) or went past the depth limit.
EXITS = pa.schema([
    ("report_id", pa.string()),
    ("txn_id", pa.int64()),
    ("time", TS),
    ("from_account", pa.string()),
    ("channel", pa.string()),        # atm_cash_out, pos, crypto, goods, or 'depth_limit'
    ("terminal", pa.string()),
    ("amount_fen", pa.int64()),
    ("method", pa.string()),
])  # fmt: skip

# A victim's money trail, hop by hop (for the CLI, the console and the return plans).
TRAIL = pa.schema([
    ("report_id", pa.string()),
    ("hop", pa.int16()),
    ("txn_id", pa.int64()),
    ("time", TS),
    ("from_account", pa.string()),
    ("to_account", pa.string()),
    ("amount_fen", pa.int64()),      # the victim's share of the transaction
    ("method", pa.string()),
])  # fmt: skip

# Deposits into one account that carry victims' money: what Article 8 return plans start from.
DEPOSITS = pa.schema([
    ("account", pa.string()),        # the (frozen) receiving account
    ("txn_id", pa.int64()),
    ("time", TS),
    ("amount_fen", pa.int64()),      # the victim's share of this deposit
    ("report_id", pa.string()),      # the victim
    ("paying_account", pa.string()), # the victim's original paying account (原路返还)
])  # fmt: skip
