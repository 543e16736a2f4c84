"""The console's pages: server-rendered shells that fetch the JSON API from local scripts.

A page only checks who is asking and hands the script what it needs (the user, ids from the
path); the data itself comes from the API, which audits every read. Not logged in → the log-in
page; a role that may not see a page → a 403 page, audited like any refusal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from fraudlink.model.enums import CONTACT_CHANNELS, FRAUD_TYPES, INDICATOR_KINDS
from fraudlink.web.deps import bearer, cursor, deny
from fraudlink.web.users import (
    CENTRE_ROLES,
    MEMBER_ROLES,
    SUPERVISOR,
    Principal,
    principal_for_token,
)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)

# What each role's navigation shows: (path, label).
CENTRE_NAV = (
    ("/", "Dashboard"),
    ("/intake", "Intake"),
    ("/identifiers", "Identifiers"),
    ("/rings", "Rings"),
    ("/queues/warnings", "Warnings"),
    ("/queues/orders", "Orders"),
)
SUPERVISOR_NAV = (*CENTRE_NAV, ("/audit", "Audit log"))
MEMBER_NAV = (("/member/orders", "Orders"),)


def home_of(who: Principal) -> str:
    """Where a user lands after log-in: the centre on the dashboard, members on their orders."""
    return "/" if who.is_centre else "/member/orders"


def nav_of(who: Principal) -> tuple[tuple[str, str], ...]:
    """The navigation links a role sees."""
    if who.role == SUPERVISOR:
        return SUPERVISOR_NAV
    return CENTRE_NAV if who.is_centre else MEMBER_NAV


def _who(request: Request) -> Principal | None:
    token = bearer(request)
    return principal_for_token(cursor(request), token) if token else None


def _to_login(request: Request) -> RedirectResponse:
    path = request.url.path
    if path in ("/", "/login"):
        return RedirectResponse("/login", status_code=303)
    # Back to this page after log-in: a path on this server (login.js refuses anything else).
    here = f"{path}?{request.url.query}" if request.url.query else path
    return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)


def _render(request: Request, who: Principal | None, template: str, status: int = 200,
            **extra: Any) -> HTMLResponse:  # fmt: skip
    context = {"who": who, "nav": nav_of(who) if who else (), "home": home_of(who) if who else "/",
               "path": request.url.path, **extra}  # fmt: skip
    return templates.TemplateResponse(request, template, context, status_code=status)


def _page(request: Request, template: str, roles: tuple[str, ...], title: str,
          **extra: Any) -> Response:  # fmt: skip
    """The page for a logged-in user whose role is in `roles`; else the log-in page or a 403."""
    who = _who(request)
    if who is None:
        return _to_login(request)
    if who.role not in roles:
        err: HTTPException = deny(request, who, f"page {request.url.path}", request.url.path,
                                  f"the {who.role} role may not open this page")  # fmt: skip
        return _render(request, who, "forbidden.html", status=403, title="Not allowed",
                       why=err.detail)  # fmt: skip
    return _render(request, who, template, title=title, **extra)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    """The log-in form."""
    return _render(request, _who(request), "login.html", title="Log in")


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request) -> Response:
    """Results, trends, fraud types and districts at a glance."""
    return _page(request, "dashboard.html", CENTRE_ROLES, "Dashboard")


@router.get("/intake", response_class=HTMLResponse)
def intake_page(request: Request) -> Response:
    """Enter a victim report: matches, the money trail and the orders to issue come back."""
    return _page(request, "intake.html", CENTRE_ROLES, "Report intake",
                 fraud_types=FRAUD_TYPES, contact_channels=CONTACT_CHANNELS,
                 indicator_kinds=INDICATOR_KINDS)  # fmt: skip


@router.get("/cases/{report_id}", response_class=HTMLResponse)
def case_page(request: Request, report_id: str) -> Response:
    """One report's case: timeline, linked reports, money trail and orders."""
    return _page(request, "case.html", CENTRE_ROLES, f"Case {report_id}", report_id=report_id)


@router.get("/identifiers", response_class=HTMLResponse)
def identifier_page(request: Request, q: str = "") -> Response:
    """Everything the store knows about one person, account or number."""
    return _page(request, "identifier.html", CENTRE_ROLES, "Identifier", query=q)


@router.get("/rings", response_class=HTMLResponse)
def rings_page(request: Request) -> Response:
    """Card-trafficking rings, strike first at the top."""
    return _page(request, "rings.html", CENTRE_ROLES, "Rings")


@router.get("/rings/{ring_id}", response_class=HTMLResponse)
def ring_page(request: Request, ring_id: str) -> Response:
    """One ring: its network and its target package."""
    return _page(request, "ring.html", CENTRE_ROLES, f"Ring {ring_id}", ring_id=ring_id)


@router.get("/queues/warnings", response_class=HTMLResponse)
def warnings_page(request: Request) -> Response:
    """The warning desk's queue (预警劝阻)."""
    return _page(request, "warnings.html", CENTRE_ROLES, "Warning queue")


@router.get("/queues/orders", response_class=HTMLResponse)
def orders_page(request: Request) -> Response:
    """Every fund-control order with its timer."""
    return _page(request, "orders.html", CENTRE_ROLES, "Order queue")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    """The audit log and its hash chain (supervisors only)."""
    return _page(request, "audit.html", (SUPERVISOR,), "Audit log")


@router.get("/member/orders", response_class=HTMLResponse)
def member_orders_page(request: Request) -> Response:
    """A member's own orders: acknowledge, execute or reject."""
    return _page(request, "member.html", MEMBER_ROLES, "Orders for your institution")
