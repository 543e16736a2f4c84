"""Mapping profiles shipped with fraudlink (package data)."""
