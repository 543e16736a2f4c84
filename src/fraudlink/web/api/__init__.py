"""The JSON API: log-in, the member API and the centre's own endpoints, all under /api/v1."""
