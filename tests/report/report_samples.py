"""Hand-made arena outcomes and chart extras for the report tests (fixtures in conftest.py)."""

from __future__ import annotations

from typing import Any

WORLD_LOSS_FEN = 688_749_377


def _strategy(prevented: int, intercepted: int, warned: int, warnings: int) -> dict[str, Any]:
    return {
        "prevented_fen": prevented,
        "intercepted_fen": intercepted,
        "returned_fen": intercepted // 2,
        "returned_to_right_victim_fen": intercepted // 3,
        "victims_warned_before_first_payment": warned,
        "phone_sms_victims": 120,
        "phone_sms_victims_warned_before_first_payment": warned // 2,
        "innocent_accounts_stopped": 9,
        "innocent_persons_warned": warnings,
        "innocent_sims_blocked": 2,
        "median_minutes_first_payment_to_first_order": 37.5 if intercepted else None,
        "reported_victims_held_by_an_order": 14 if intercepted else 0,
        "warnings": {"high": warnings // 4, "medium": warnings // 4, "low": warnings // 2},
        "warning_outcomes": {
            "dissuaded": warned,
            "already_dissuaded": 2,
            "already_paid": 3,
            "not_a_victim": warnings,
            "unreachable": 4,
        },
        "orders": {
            "stop_payment": 31,
            "freeze": 11,
            "number_block": 17,
            "reverify": 5,
            "target_package": 1,
        },
        "loss_fen": WORLD_LOSS_FEN - prevented - intercepted,
    }


def sample_outcomes() -> dict[str, Any]:
    """Four strategies on a demo-sized world, with one target met and one not."""
    return {
        "world": {
            "preset": "demo",
            "seed": 1,
            "persons": 100_000,
            "accounts": 88_000,
            "innocent_accounts": 87_000,
            "innocent_persons": 99_500,
            "victims": 190,
            "fraud_loss_fen": WORLD_LOSS_FEN,
            "days": 16,
            "start": "2026-03-01T00:00:00Z",
        },
        "strategies": {
            "none": _strategy(0, 0, 0, 0),
            "first_level_on_report": _strategy(0, 123_456_789, 0, 0),
            "tracing_on_report": _strategy(0, 200_000_000, 0, 0),
            "full": _strategy(150_000_000, 210_000_000, 80, 400),
        },
        "targets": {
            "full": [
                {
                    "name": "loss prevented or intercepted",
                    "target": ">= 40%",
                    "measured": "52.3%",
                    "met": True,
                },
                {
                    "name": "innocent accounts stopped",
                    "target": "<= 0.005%",
                    "measured": "0.010%",
                    "met": False,
                },
            ]
        },
        "detection": {"auc": 0.91},
        "assumptions": {"delays": {"bank_stop": 15, "report": {"median": 120.0}}, "p_answer": 0.7},
    }


def sample_extras() -> dict[str, Any]:
    """Timeliness for three strategies and a trail with a split, a freeze and a cash-out."""
    return {
        "timeliness": {
            "first_level_on_report": [30.0, 95.5, 240.0, 800.0, 4000.0],
            "tracing_on_report": [12.0, 40.0, 61.0, 300.0],
            "full": [0.5, 3.0, 9.0, 22.0, 45.0, 130.0],
        },
        "trail": trail(),
    }


def trail(victim: str = "Ms Wang") -> dict[str, Any]:
    """A victim's money: into a first-level account, split two ways, one frozen, one cashed out."""
    return {
        "strategy": "full",
        "episode_id": 17,
        "victim": victim,
        "fraud_type": "fake_investment",
        "hops": [
            {
                "hop": 1,
                "time": "2026-03-02T01:00:00Z",
                "from": "6222020000001111",
                "to": "6217000000002222",
                "amount_fen": 8_000_000,
                "channel": "transfer",
                "stopped_at": None,
            },
            {
                "hop": 2,
                "time": "2026-03-02T01:10:00Z",
                "from": "6217000000002222",
                "to": "6228000000003333",
                "amount_fen": 2_500_000,
                "channel": "transfer",
                "stopped_at": "2026-03-02T18:30:00Z",
            },
            {
                "hop": 2,
                "time": "2026-03-02T01:12:00Z",
                "from": "6217000000002222",
                "to": "6228000000004444",
                "amount_fen": 2_400_000,
                "channel": "transfer",
                "stopped_at": None,
            },
            {
                "hop": 3,
                "time": "2026-03-02T01:40:00Z",
                "from": "6228000000004444",
                "to": None,
                "amount_fen": 2_000_000,
                "channel": "atm_cash_out",
                "stopped_at": None,
            },
        ],
    }
