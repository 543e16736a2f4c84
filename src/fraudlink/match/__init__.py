"""Rapid comparison (快速比对) and case linking (串并案).

Public face: the indicator index (`IndicatorIndex`), lookups, and report clusters.
"""
