"""The web face (web): the member API and the analyst console, with users, roles and the audit log.

Public face: `create_app` (the FastAPI app over one store), the roles, `add_user`, and
`verify_chain` (the audit log's hash chain).
"""

from fraudlink.web.app import create_app
from fraudlink.web.audit import ChainCheck, verify_chain
from fraudlink.web.users import ROLES, UserError, add_user, list_users

__all__ = ["ROLES", "ChainCheck", "UserError", "add_user", "create_app", "list_users",
           "verify_chain"]  # fmt: skip
