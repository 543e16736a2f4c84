"""Reports of the arena's outcomes: a plain-text results table for the terminal and a
self-contained offline HTML report with inline SVG charts (no external resources at all).

Public face: `results_table` (text) and `write_report` (HTML file).
"""

from fraudlink.report.html import write_report
from fraudlink.report.results_table import results_table

__all__ = ["results_table", "write_report"]
