"""The analyst console: server-rendered pages over the JSON API."""
