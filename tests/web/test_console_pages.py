"""The console's pages: each renders for the roles it is for, sends the logged-out to the log-in
page, refuses (and audits) a member on a centre page, and loads nothing from outside the server."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import fraudlink.web.console as console

CONSOLE = Path(console.__file__).parent
TEMPLATES = CONSOLE / "templates"
STATIC = CONSOLE / "static"

CENTRE_PAGES = ["/", "/intake", "/cases/R1", "/identifiers?q=13800000000", "/rings", "/rings/1",
                "/queues/warnings", "/queues/orders"]  # fmt: skip
SUPERVISOR_PAGES = ["/audit"]
MEMBER_PAGES = ["/member/orders"]
ALL_PAGES = CENTRE_PAGES + SUPERVISOR_PAGES + MEMBER_PAGES
Login = Callable[[str], dict[str, str]]
PASSWORD = "correct horse battery"  # the web fixtures' password for every user


def _scripts(html: str) -> list[str]:
    return re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)


def test_logged_out_goes_to_login(client: TestClient) -> None:
    for path in ALL_PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login"), path


def test_login_page_renders_without_a_session(client: TestClient) -> None:
    r = client.get("/login")
    assert r.status_code == 200
    assert 'id="login-form"' in r.text
    assert _scripts(r.text) == ["/static/app.js", "/static/login.js"]
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_redirect_comes_back_to_the_page(client: TestClient) -> None:
    r = client.get("/queues/orders", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/queues/orders"
    r = client.get("/identifiers?q=6222 02", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/identifiers%3Fq%3D6222%252002"


@pytest.mark.parametrize("user", ["analyst", "supervisor"])
def test_centre_pages_render_for_centre_staff(client: TestClient, login: Login,
                                              user: str) -> None:  # fmt: skip
    head = login(user)
    for path in CENTRE_PAGES:
        r = client.get(path, headers=head)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].startswith("text/html")
        scripts = _scripts(r.text)
        assert scripts[0] == "/static/app.js" and len(scripts) == 2, path
        assert f">{user} · {user}<" in r.text
        assert ('href="/audit"' in r.text) == (user == "supervisor")


def test_pages_carry_what_their_scripts_need(client: TestClient, login: Login) -> None:
    head = login("analyst")
    assert 'data-report-id="R2026&lt;x&gt;"' in client.get("/cases/R2026<x>", headers=head).text
    assert 'data-ring-id="7"' in client.get("/rings/7", headers=head).text
    page = client.get("/identifiers", params={"q": '"><b>'}, headers=head).text
    assert 'value="&#34;&gt;&lt;b&gt;"' in page and "<b>" not in page
    intake = client.get("/intake", headers=head).text
    assert 'value="fake_investment"' in intake and 'value="social"' in intake


def test_audit_page_is_for_supervisors_only(client: TestClient, login: Login) -> None:
    assert client.get("/audit", headers=login("supervisor")).status_code == 200
    r = client.get("/audit", headers=login("analyst"))
    assert r.status_code == 403
    assert "Not allowed" in r.text


@pytest.mark.parametrize("user", ["bank_a", "operator", "platform"])
def test_member_page_renders_for_members(client: TestClient, login: Login, user: str) -> None:
    r = client.get("/member/orders", headers=login(user))
    assert r.status_code == 200
    assert _scripts(r.text) == ["/static/app.js", "/static/member.js"]
    nav = r.text.split("<nav>")[1].split("</nav>")[0]
    assert re.findall(r'href="([^"]+)"', nav) == ["/member/orders"]


def test_member_page_refuses_centre_staff(client: TestClient, login: Login) -> None:
    assert client.get("/member/orders", headers=login("analyst")).status_code == 403


@pytest.mark.parametrize("user", ["bank_a", "operator"])
def test_member_on_a_centre_page_is_refused_and_audited(client: TestClient, login: Login,
                                                        user: str) -> None:  # fmt: skip
    head = login(user)
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    for path in CENTRE_PAGES + SUPERVISOR_PAGES:
        r = client.get(path, headers=head)
        assert r.status_code == 403, path
        assert "Not allowed" in r.text and 'href="/member/orders"' in r.text
        rows = ctx.cursor().execute(
            "select username, outcome, target from audit_log where outcome = 'denied' "
            "order by seq desc limit 1"
        ).fetchall()
        assert rows == [(user, "denied", path.split("?")[0])]


def test_cookie_session_opens_pages(client: TestClient) -> None:
    """The console runs on the cookie the log-in sets, not on a header."""
    r = client.post("/api/v1/token", json={"username": "analyst", "password": PASSWORD})
    assert r.status_code == 200
    assert client.get("/", follow_redirects=False).status_code == 200
    client.post("/api/v1/logout")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_are_not_in_the_api_spec(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/api/")]


def test_every_script_and_import_exists(client: TestClient) -> None:
    sources = {p.name: p.read_text("utf-8") for p in STATIC.glob("*.js")}
    wanted = {s for t in TEMPLATES.glob("*.html") for s in _scripts(t.read_text("utf-8"))}
    for text in sources.values():
        wanted |= set(re.findall(r'from "(/static/[^"]+)"', text))
    for src in sorted(wanted):
        r = client.get(src)
        assert r.status_code == 200, src
        assert "javascript" in r.headers["content-type"], src
    assert client.get("/static/style.css").status_code == 200


# Namespace names are identifiers that no browser fetches.
NAMESPACES = ("http://www.w3.org/2000/svg",)


def test_nothing_comes_from_outside_the_server() -> None:
    files = [*TEMPLATES.glob("*.html"), *STATIC.glob("*")]
    assert len(files) > 20
    for f in files:
        text = f.read_text("utf-8")
        for ns in NAMESPACES:
            text = text.replace(ns, "")
        urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, flags=re.I)
        assert not urls, f"{f.name}: external address {urls[0]}"
        assert "@import" not in text and "@font-face" not in text, f.name


def test_no_inline_script_or_handler() -> None:
    """The CSP allows scripts from this server only: no inline code would run."""
    for f in TEMPLATES.glob("*.html"):
        html = f.read_text("utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in tag, f"{f.name}: {tag}"
        assert not re.findall(r"<script\b[^>]*>\s*[^<\s]", html), f"{f.name}: inline script"
        assert not re.findall(r"\son[a-z]+\s*=", html, flags=re.I), f"{f.name}: inline handler"
        assert "javascript:" not in html.lower(), f.name
    for f in STATIC.glob("*.js"):
        assert "eval(" not in f.read_text("utf-8") and "new Function" not in f.read_text("utf-8")
