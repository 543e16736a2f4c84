"""Rapid comparison (快速比对) and case linking (串并案).

Public face:
- `IndicatorIndex`: every known identifier with its provenance, in memory; `lookup` is what the
  engine calls on each event, `lookup_many` the bulk form.
- `match_values`, `match_report`: lookups of raw values and of a whole new report.
- `link_reports`, `CaseLinker`, `CaseClusters`: reports grouped into case clusters, incrementally,
  each merge with its evidence.
- `seized_report`: what a raid's seized items tie to.
"""

from fraudlink.match.clusters import CaseClusters, CaseLinker
from fraudlink.match.index import Hit, IndicatorIndex
from fraudlink.match.linking import link_reports
from fraudlink.match.lookup import QueryError, match_report, match_values
from fraudlink.match.seized import seized_report

__all__ = [
    "CaseClusters",
    "CaseLinker",
    "Hit",
    "IndicatorIndex",
    "QueryError",
    "link_reports",
    "match_report",
    "match_values",
    "seized_report",
]
