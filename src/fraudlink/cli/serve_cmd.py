"""`fraudlink serve`, `fraudlink users`, `fraudlink audit`: the web face, its users, its log."""

from __future__ import annotations

from pathlib import Path

import click

from fraudlink.cli.common import open_store, render_table
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.store import default_db_path
from fraudlink.web import ROLES, UserError, add_user, list_users, verify_chain
from fraudlink.web.users import deactivate_user


@click.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help="Address to listen on (loopback unless the centre's network is set up for it).",
)  # fmt: skip
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on (1-65535).")  # fmt: skip
@click.option(
    "--client-clock", is_flag=True,
    help="For replaying a simulated city: the centre's actions are then stamped with the `now` "
    "a client gives. Off by default: the server's clock stamps every action, and a write given "
    "a `now` is refused.",
)  # fmt: skip
def serve(db: Path | None, host: str, port: int, client_clock: bool) -> None:
    """Serve the analyst console and the member API (OpenAPI at /api/openapi.json)."""
    import uvicorn

    from fraudlink.web import create_app

    path = db or default_db_path()
    with open_store(path) as store:
        if not list_users(store.con):
            raise click.ClickException(
                f"{path}: no users yet; add one first: fraudlink users add --db {path} "
                "--username NAME --role supervisor"
            )
    stamps = "a client's `now`" if client_clock else "the server's clock"
    click.echo(f"fraudlink console on http://{host}:{port}/ (store {path}; actions stamped with "
               f"{stamps})", err=True)  # fmt: skip
    uvicorn.run(create_app(path, client_clock=client_clock), host=host, port=port,
                log_level="warning")  # fmt: skip


@click.group()
def users() -> None:
    """Users of the console and the member API, and their roles."""


@users.command(name="add")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option("--username", required=True, help="Log-in name.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
@click.option(
    "--inst", "inst_id", metavar="INST",
    help="The member institution a bank, operator or platform user acts for.",
)  # fmt: skip
@click.password_option(help="Password, at least 10 characters (asked for when not given).")
def users_add(db: Path | None, username: str, role: str, inst_id: str | None,
              password: str) -> None:  # fmt: skip
    """Add a user; the password is stored only as an argon2 hash."""
    with open_store(db) as store:
        try:
            add_user(store.con, username, role, password, inst_id)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"added {username} ({role}{', ' + inst_id if inst_id else ''})")


@users.command(name="list")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
def users_list(db: Path | None) -> None:
    """List the users with their roles and institutions."""
    with open_store(db) as store:
        rows = [[u, r, i or "-", "yes" if a else "no"] for u, r, i, a in list_users(store.con)]
    click.echo(render_table(["username", "role", "institution", "active"], rows))


@users.command(name="deactivate")
@click.argument("username")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
def users_deactivate(username: str, db: Path | None) -> None:
    """Deactivate a user: it can no longer log in, and its tokens are revoked."""
    with open_store(db) as store:
        try:
            who = deactivate_user(store.con, username)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
    inst = f", {who.inst_id}" if who.inst_id else ""
    click.echo(f"deactivated {who.username} ({who.role}{inst}); its tokens are revoked")


@click.group()
def audit() -> None:
    """The audit log of every read of personal data and every action."""


@audit.command(name="verify")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
def audit_verify(db: Path | None) -> None:
    """Check the audit log's hash chain; exit 1 and name the first broken entry if it fails."""
    with open_store(db) as store:
        check = verify_chain(store.con)
    if not check.ok:
        raise click.ClickException(f"audit log broken at entry {check.first_bad_seq} "
                                   f"of {check.entries}: {check.reason}")  # fmt: skip
    click.echo(f"audit log holds: {check.entries} entries, {check.reason}")


@click.group()
def warnings() -> None:
    """The warning queue (预警劝阻) the console's analysts dispatch and close."""


@warnings.command(name="load")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option(
    "--actions", "actions_file", required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="An engine action log: the arena's actions-STRATEGY.parquet.",
)  # fmt: skip
def warnings_load(db: Path | None, actions_file: Path) -> None:
    """Queue the warnings an engine run decided, as decided; ones already queued are skipped."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fraudlink.web.centre.warnings_queue import ActionLogError, load_warnings

    try:
        actions = pq.read_table(actions_file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise click.ClickException(f"{actions_file}: not a Parquet file: {exc}") from exc
    with open_store(db) as store:  # a path that is not a store is refused first
        try:  # the whole file is checked before a row goes in: all or nothing
            added = load_warnings(store.con, actions)
        except ActionLogError as exc:
            raise click.ClickException(f"{actions_file}: {exc}") from exc
        total = store.count("warning_queue")
    click.echo(f"queued {added:,} new warnings from {actions_file} ({total:,} in the queue)")
