"""Benchmark: the member API's rapid comparison under load, against an auth-only request.

Run at demo (the issue's figure):
    uv run python benchmarks/bench_api.py
Options: [--world DIR] [--store DB] [--repeat 10] [--concurrency 200] [--client raw|httpx]
         [--clients N] [--json FILE]
     (without --world a demo world is simulated and ingested; --store is copied, never written)

Ours: `GET /api/v1/lookup?q=…` as a bank member, served by `uvicorn` (uvloop, httptools) in a
subprocess on loopback over a copy of the store. Each round fires --concurrency requests at once
over as many keep-alive connections, half of them identifiers the store knows (receiving accounts
and numbers from reports, cases and member flags), half ones it does not (ordinary accounts and
SIM numbers). A lookup checks the token, reads the in-memory indicator index, grades the risk
and appends an audit entry. The peer is the same burst to `GET /api/v1/me`: the token check
alone, through the same server and client. Peer and lookup rounds alternate after a warm-up round
of each (which also builds the index); latency is per request, from send to full response, over
all --repeat rounds. Server and client share the machine: the CPU each spends per request is
reported too.

The client, on uvloop, by default sends pre-built requests on 200 plain keep-alive sockets and
reads the answers (`RawConnection`): an instrument that costs little beside what it measures.
`--client httpx` uses `httpx.AsyncClient` instead, one client per connection (about 0.65 ms of
client CPU per request, more than the server spends); `--clients 1` then puts all the
connections in one client's pool, where httpx spends about 5 ms of CPU per request on its own
pool bookkeeping, which swamps what is measured.

Also reported: the in-process cost of each step of a lookup (token check from the store and
remembered, index lookup and grading, audit append one at a time and 200 at once), on the same
store copy.

The issue's target: 200 concurrent lookups with p99 < 50 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvloop
from common import table, world_and_store, world_arguments

from fraudlink.match.index import IndicatorIndex
from fraudlink.match.lookup import normalise_query
from fraudlink.store import Store
from fraudlink.web import add_user
from fraudlink.web.audit import AuditLog
from fraudlink.web.deps import TokenCache
from fraudlink.web.lookup import lookup
from fraudlink.web.users import Principal, issue_token, principal_for_token

TARGET_P99_MS = 50.0
USER, PASSWORD = "bench_bank", "bench password 1"
SERVER = """
import sys, uvicorn
from fraudlink.web import create_app
uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            loop="uvloop", http="httptools", backlog=4096, timeout_keep_alive=120)
"""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(db: Path, n: int) -> tuple[str, list[str], list[str]]:
    """Add the bench's bank user; its institution, and `n` known and `n` unknown identifiers."""
    with Store(db) as store:
        con = store.con
        inst = str(con.execute("select inst_id from bank_accounts group by 1 "
                               "order by count(*) desc limit 1").fetchall()[0][0])  # fmt: skip
        add_user(con, USER, "bank", PASSWORD, inst)
        known = [r[0] for r in con.execute(
            """select distinct value from (
                 select to_account as value from report_payments
                 union all select value from report_indicators where kind in ('phone', 'account')
                 union all select value from case_confirmations where kind in ('phone', 'account')
                 union all select value from member_flags where kind in ('phone', 'account'))
               where value is not null order by hash(value) limit ?""", [4 * n]).fetchall()]
        index = IndicatorIndex.from_store(store)
        candidates = [r[0] for r in con.execute(
            "select value from (select account as value from bank_accounts union all "
            "select msisdn from sim_cards) order by hash(value) limit ?", [4 * n]).fetchall()]

    def node(v: str) -> str | None:
        parsed = normalise_query(v)
        return parsed[1] if parsed else None

    # A victim may misremember an account: only values that are identifiers are queries.
    known = [v for v in known if (nid := node(v)) is not None and nid in index][:n]
    unknown = [v for v in candidates if (nid := node(v)) is not None and nid not in index][:n]
    return inst, known, unknown


def step_costs(db: Path, inst: str, queries: list[str], n: int = 1000) -> dict[str, float]:
    """µs of each step of one lookup, timed in process: medians of calls one at a time, and the
    audit append's cost per entry when `burst` entries arrive at once (its group commit)."""
    with Store(db) as store:
        con = store.con.cursor()
        con.execute("set TimeZone = 'UTC'")
        who = Principal(USER, "bank", inst)
        token, _ = issue_token(con, who)
        cache = TokenCache()
        cache.put(token, who)
        index = IndicatorIndex.from_store(store)
        audit = AuditLog(store.con.cursor())

        def timed(f: Callable[[int], Any]) -> float:
            out = []
            for i in range(n):
                t0 = time.perf_counter()
                f(i)
                out.append(time.perf_counter() - t0)
            return statistics.median(out) * 1e6

        async def together(k: int) -> float:
            t0 = time.perf_counter()
            await asyncio.gather(*(audit.append_async(who, "read.lookup", "bench", "ok", {"i": i})
                                   for i in range(k)))  # fmt: skip
            return (time.perf_counter() - t0) / k * 1e6

        costs = {
            "token check, from the store": timed(lambda i: principal_for_token(con, token)),
            "token check, remembered": timed(lambda i: cache.get(token)),
            "index lookup + grade": timed(
                lambda i: lookup(index, queries[i % len(queries)], None, who)),
            "audit append, one at a time": timed(
                lambda i: audit.append(who, "read.lookup", "bench", "ok", {"i": i})),
            "audit append, 200 at once": statistics.median(
                uvloop.run(together(200)) for _ in range(5)),
        }
        con.execute("delete from web_tokens where username = ?", [USER])
    return costs


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    """uvicorn serving the store on loopback, once it answers."""
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=1).status_code == 401:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


class RawConnection:
    """One keep-alive HTTP/1.1 connection that sends pre-built GET requests and reads answers.

    The measuring instrument should cost less than what it measures: httpx spends about 0.65 ms
    of CPU per request, more than the server, on the same two cores. This sends bytes and reads
    the status line, the headers and a Content-Length body, nothing more (the server always
    answers these requests with a Content-Length).
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, url: str) -> int:
        """Send one GET and read its whole answer; the status code."""
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(b"GET " + url.encode() + b" HTTP/1.1\r\n" + self.head)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    async def aclose(self) -> None:
        """Close the connection."""
        if self.writer is not None:
            self.writer.close()


class HttpxGetter:
    """The same `get` through an httpx client (`--client httpx`)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def get(self, url: str) -> int:
        """Send one GET through httpx; the status code."""
        return (await self.client.get(url)).status_code


Getter = RawConnection | HttpxGetter


async def burst(clients: list[Getter], urls: list[str]) -> tuple[list[float], float, int]:
    """Fire every request at once, spread over the clients; (latencies in s, wall s, errors)."""

    async def one(client: Getter, url: str) -> tuple[float, int]:
        t0 = time.perf_counter()
        try:
            status = await client.get(url)
        except (httpx.TransportError, OSError, asyncio.IncompleteReadError):
            status = 0  # counted as an error, with its time
        return time.perf_counter() - t0, status

    t0 = time.perf_counter()
    done = await asyncio.gather(*(one(clients[i % len(clients)], u) for i, u in enumerate(urls)))
    wall = time.perf_counter() - t0
    return [d for d, _ in done], wall, sum(1 for _, s in done if s != 200)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(base: str, token: str, lookups: list[list[str]], n: int, n_clients: int,
               server: int, raw: bool) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Warm-up, then alternating rounds of `n` /me and `n` lookup requests."""
    per = max(1, n // n_clients)  # n connections in all
    limits = httpx.Limits(max_connections=per, max_keepalive_connections=per)
    headers = {"Authorization": f"Bearer {token}"}
    runs: dict[str, dict[str, Any]] = {
        k: {"lat": [], "walls": [], "errors": 0, "server_cpu": 0.0, "client_cpu": 0.0}
        for k in ("me", "lookup")}  # fmt: skip
    async with AsyncExitStack() as stack:
        clients: list[Getter]
        if raw:
            host, _, port = base.removeprefix("http://").partition(":")
            clients = [RawConnection(host, int(port), token) for _ in range(n)]
            for c in clients:
                stack.push_async_callback(c.aclose)
        else:
            clients = [HttpxGetter(await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60)))
                for _ in range(n_clients)]  # fmt: skip
        t0 = time.perf_counter()
        await clients[0].get(_lookup_url(lookups[0][0]))  # builds the index
        warm_index = time.perf_counter() - t0
        await burst(clients, ["/api/v1/me"] * n)  # opens the connections
        await burst(clients, [_lookup_url(q) for q in lookups[0]])
        for qs in lookups[1:]:
            me, lookups_now = ["/api/v1/me"] * n, [_lookup_url(q) for q in qs]
            for name, urls in (("me", me), ("lookup", lookups_now)):
                cpu0, own0 = cpu_seconds(server), time.process_time()
                lat, wall, errors = await burst(clients, urls)
                runs[name]["server_cpu"] += cpu_seconds(server) - cpu0
                runs[name]["client_cpu"] += time.process_time() - own0
                runs[name]["lat"].extend(lat)
                runs[name]["walls"].append(wall)
                runs[name]["errors"] += errors
    runs["lookup"]["first_lookup_s"] = warm_index
    return runs


def _lookup_url(q: str) -> str:
    return str(httpx.URL("/api/v1/lookup", params={"q": q}))


def summary(run: dict[str, Any]) -> dict[str, Any]:
    """Percentiles in ms, requests per second and errors of one kind of request."""
    ms = np.array(run["lat"]) * 1000
    p50, p95, p99 = (float(np.percentile(ms, p)) for p in (50, 95, 99))
    walls = run["walls"]
    return {"requests": len(ms), "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
            "p99_ms": round(p99, 2), "max_ms": round(float(ms.max()), 2),
            "round_wall_ms": round(statistics.median(walls) * 1000, 1),
            "requests_per_s": round(len(ms) / sum(walls)), "errors": run["errors"],
            "server_cpu_ms_per_request": round(run["server_cpu"] * 1000 / len(ms), 3),
            "client_cpu_ms_per_request": round(run["client_cpu"] * 1000 / len(ms), 3)}  # fmt: skip


def main() -> None:
    """Serve a copy of the store, fire the bursts, print percentiles against the target."""
    ap = world_arguments(repeat=10)
    ap.add_argument("--concurrency", type=int, default=200, help="requests fired at once")
    ap.add_argument("--clients", type=int, help="httpx clients sharing the connections "
                    "[default: one per connection; 1 = a single pool of them all]")
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw",
                    help="raw: pre-built requests on plain sockets (default); httpx: AsyncClient")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    n = args.concurrency
    args.clients = min(args.clients or n, n)
    command = "uv run python " + shlex.join(sys.argv)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        _, db = world_and_store(args, Path(tmp))
        served = Path(tmp) / "served.duckdb"
        shutil.copy(db, served)  # the server writes tokens and the audit log: never a given store
        inst, known, unknown = prepare(served, n)
        queries = known[: n // 2] + unknown[: n - n // 2]
        print(f"{len(known):,} known and {len(unknown):,} unknown identifiers; bank user at "
              f"{inst}", file=sys.stderr)  # fmt: skip
        costs = step_costs(served, inst, queries)
        rounds = [rng.sample(queries, len(queries)) for _ in range(args.repeat + 1)]
        port = free_port()
        proc = start_server(served, port)
        try:
            base = f"http://127.0.0.1:{port}"
            token = httpx.post(f"{base}/api/v1/token",
                               json={"username": USER, "password": PASSWORD}).json()["access_token"]
            runs = uvloop.run(load(base, token, rounds, n, args.clients, proc.pid,
                                  args.client == "raw"))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        db_mib = served.stat().st_size / 2**20

    me, lk = summary(runs["me"]), summary(runs["lookup"])
    ratio = lk["p99_ms"] / me["p99_ms"] if me["p99_ms"] else float("nan")
    met = lk["p99_ms"] < TARGET_P99_MS
    out: dict[str, Any] = {
        "bench": "api", "command": command, "world": str(args.world or "demo (simulated)"),
        "store_mib": round(db_mib, 1), "concurrency": n, "clients": args.clients,
        "client": args.client,
        "rounds": args.repeat,
        "cpus": os.cpu_count(), "known": len(known[: n // 2]),
        "unknown": len(unknown[: n - n // 2]), "target": {"lookup_p99_ms": TARGET_P99_MS},
        "lookup": {**lk, "first_lookup_s": round(runs["lookup"]["first_lookup_s"], 3)},
        "me": me, "ratio_p99_lookup_to_me": round(ratio, 2), "target_met": met,
        "step_costs_us": {k: round(v, 1) for k, v in costs.items()},
    }  # fmt: skip
    out["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"command: {command}")
    clients_said = ("raw sockets" if args.client == "raw"
                    else f"{args.clients} httpx client(s)")  # fmt: skip
    print(f"world: {out['world']}, store {db_mib:,.0f} MiB; {n} concurrent requests per round "
          f"over {n} connections ({clients_said}), {args.repeat} rounds each "
          f"after warm-up; {os.cpu_count()} CPUs shared by server and client")  # fmt: skip
    head = ["request", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "round ms", "req/s",
            "server CPU ms/req", "client CPU ms/req", "errors", "p99 < 50 ms"]  # fmt: skip
    cells = [head]
    for name, s, verdict in (("GET /api/v1/lookup", lk, "met" if met else "NOT met"),
                             ("GET /api/v1/me (peer)", me, "")):  # fmt: skip
        cells.append([name, f"{s['requests']:,}", f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}",
                      f"{s['p99_ms']:.1f}", f"{s['max_ms']:.1f}", f"{s['round_wall_ms']:.0f}",
                      f"{s['requests_per_s']:,}", f"{s['server_cpu_ms_per_request']:.2f}",
                      f"{s['client_cpu_ms_per_request']:.2f}", str(s["errors"]),
                      verdict])  # fmt: skip
    print(table(cells))
    print(f"lookup p99 / me p99: {ratio:.2f}; first lookup (index build): "
          f"{out['lookup']['first_lookup_s']:.2f} s")  # fmt: skip
    print("in-process cost of each step of a lookup (µs per call or entry):")
    for k, v in out["step_costs_us"].items():
        print(f"  {k:<30} {v:>9,.1f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", "utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
