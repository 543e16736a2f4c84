"""The centre's side of the web face: what the analyst console's JSON endpoints compute.

One small module per concern: the dashboard figures (`dashboard`), a new victim report taken in
and answered at once (`intake`), the case page (`case`), the money-trail graph (`trail`), orders
issued from a trace (`issue`), everything known about an identifier (`identifiers`), rings and
their strike packages (`rings_view`), the warning queue (`warnings_queue`) and the audit log
(`audit_view`). Handlers live in `fraudlink.web.api.centre`; these modules take a cursor or a
`CursorStore` and return pydantic models.
"""
