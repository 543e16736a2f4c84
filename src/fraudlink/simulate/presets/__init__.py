"""Named configurations of the synthetic city (package data)."""
