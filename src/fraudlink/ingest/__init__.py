"""Ingest: alliance feed files into the store, validated, normalised, de-duplicated, quarantined.

Public face: `ingest_paths`, `IngestReport`, `FeedSummary`, `UnreadableFile`, `load_profile`,
`ProfileError`, `shipped_profiles`.
"""

from fraudlink.ingest.errors import UnreadableFile
from fraudlink.ingest.pipeline import FeedSummary, IngestReport, ingest_paths
from fraudlink.ingest.profiles import ProfileError, load_profile, shipped_profiles

__all__ = [
    "FeedSummary",
    "IngestReport",
    "ProfileError",
    "UnreadableFile",
    "ingest_paths",
    "load_profile",
    "shipped_profiles",
]
