"""The engine (event time): replays the feeds in the order the centre learns of them.

Public face: `replay`, `Batch`, `arrival_sql`. The engine proper (dispatch to match, trace,
detect and warn, and the action log) is issue 7's and is not built yet.
"""

from fraudlink.engine.replay import Batch, arrival_sql, replay

__all__ = ["Batch", "arrival_sql", "replay"]
