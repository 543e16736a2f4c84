"""The engine: one micro-batch at a time, match, trace, detect and warn, and decide actions.

The engine only ever sees what the replay driver hands it: the reference tables at the start,
the history up to the start, then each batch as it arrives. Its own working store is filled from
those and nothing else, so it cannot read a future event or the truth (see `working_store`).
Every action carries the batch's end as its decision time.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.ledger_figures import LedgerFigures
from fraudlink.detect.sims_book import SimScoreBook
from fraudlink.engine.background import BackgroundFold
from fraudlink.engine.bursts import BurstWatch
from fraudlink.engine.detection import (
    block_numbers,
    flag_accounts,
    freeze_known_cards,
    sim_actions,
    target_packages,
)
from fraudlink.engine.fund_control import first_level_orders, traced_orders
from fraudlink.engine.known import Flags, known_from_batch
from fraudlink.engine.people import People, among
from fraudlink.engine.policy import Policy
from fraudlink.engine.replay import Batch
from fraudlink.engine.working_store import WorkingStore
from fraudlink.model.actions import Action, StandingClaim
from fraudlink.store import Store
from fraudlink.store.arrays import NO_ID, sorted_distinct
from fraudlink.trace.holders import HolderBook
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.warn import (
    EVIDENCE,
    TALK_S,
    WarningDesk,
    dialling_noise,
    flagged_contacts,
    fraud_site_events,
    payments_to_flagged,
)

REGISTRATIONS = ("sim_cards", "bank_accounts")
# What tracing and orders read. The logins wait for the daily detection (writing them at every
# fund-control tick cost more than the tracing itself); calls and web events are never written.
LEDGER = ("transactions", "victim_reports", "report_payments", "bank_accounts",
          "case_confirmations")  # fmt: skip
# Feeds no analysis reads from the working store: the warn step screens web events batch by
# batch, and the calls are kept as the SIM book's counts. Writing the month's web events cost
# about 5 s at city, its calls 12 s. (Logins kept as a book of their (card, handset) and (card,
# address) pairs cost more than writing them: the features query over registered Arrow pairs
# and the weekly sums took 101 s of the month against 72 s.)
UNREAD = ("web_events", "platform_accounts", "calls")


class Engine:
    """The state of the city as the centre knows it, and the decisions it takes."""

    def __init__(self, work: WorkingStore, policy: Policy) -> None:
        self.work = work
        self.policy = policy
        self.flags = Flags()
        self.desk = WarningDesk()
        self.bursts = BurstWatch()
        self.people = People()
        # Fund control's questions by account read this instead of scanning the ledger. (Taking
        # the payments in on a worker thread, as the calls are, saved nothing: a tick reads the
        # book within minutes of their arrival, and the threads contend for two cores.)
        self.book = LedgerBook()
        work.on_write("transactions", self.book.add)
        self.holders = HolderBook()
        # The weekly mule scores' payment figures, folding in only the payments since the last.
        self.ledger_figures = LedgerFigures()
        work.keep_out(UNREAD)
        # The daily SIM scores, folded in call by call as the calls arrive (never read back), on
        # a worker thread; only a strategy that detects reads them, through `sims`.
        self.sim_book = SimScoreBook(work.store, fed=True)
        self._sim_fold: BackgroundFold | None = None
        if policy.detect:
            self._sim_fold = BackgroundFold(self.sim_book.take)
            work.on_arrival("calls", self._sim_fold)
        self.stopped: set[str] = set()  # accounts under a stop-payment or freeze
        self.blocked: set[str] = set()  # numbers blocked
        self.reverified: set[str] = set()  # numbers sent for re-verification
        self.open_reports: dict[str, datetime] = {}  # report -> reported at, while followed
        self.known_cards: dict[str, str] = {}  # seized or confirmed cards not frozen yet
        self.standing_claims: list[StandingClaim] = []  # see ActionLog.standing_claims
        self.last_trace: datetime | None = None
        # Accounts where open reports' money sits (account -> reports), and reports to re-trace.
        self._watched: dict[str, set[str]] = {}
        self._watch_of: dict[str, set[str]] = {}
        self._dirty: set[str] = set()
        self._new: set[str] = set()  # reports not traced yet
        self.last_detect: datetime | None = None
        self.last_accounts: datetime | None = None
        self.last_rings: datetime | None = None
        self.events_seen = 0

    @property
    def store(self) -> Store:
        """The engine's working store."""
        return self.work.store

    def sims(self) -> SimScoreBook:
        """The SIM book with every call that has arrived folded in."""
        if self._sim_fold is not None:
            self._sim_fold.wait()
        return self.sim_book

    def close(self) -> None:
        """Stop the engine's worker thread."""
        if self._sim_fold is not None:
            self._sim_fold.close()

    def start(self, history: Batch) -> list[Action]:
        """Take in everything known before the replay starts, and act on it."""
        return self.step(history)

    def step(self, batch: Batch) -> list[Action]:
        """One micro-batch: take in its rows, then match, trace, detect and warn."""
        now = batch.end
        self.events_seen += batch.rows()
        if not self.policy.acts:
            return []  # the `none` strategy decides nothing, so it keeps no state
        self.work.receive(batch.events)
        self.people.receive(batch.events)
        out: list[Action] = []
        out += self._match(batch, now)
        out += self._trace(batch, now)
        out += self._detect(batch, now)
        out += self._warn(batch, now)
        return out

    # -- match ----------------------------------------------------------------------------

    def _match(self, batch: Batch, now: datetime) -> list[Action]:
        new = known_from_batch(batch.events, self.flags, self.policy.known_flag_confidence)
        if (reports := batch.events.get("victim_reports")) is not None:
            for rid in reports.column("report_id").to_pylist():
                self.open_reports[rid] = now
        if not (self.policy.detect and new):
            return []
        self.work.flush(REGISTRATIONS)
        out = block_numbers(self.store, {n: f"known bad: {r}" for n, r in new.phones.items()},
                            now, self.blocked)  # fmt: skip
        seized = batch.events.get("seized_evidence")
        confirmed = batch.events.get("case_confirmations")
        hard = set()
        for t, col in ((seized, "identifier"), (confirmed, "value")):
            if t is not None:
                hard |= set(t.column(col).to_pylist())
        self.known_cards.update({a: r for a, r in new.accounts.items() if a in hard})
        if self.known_cards:
            out += freeze_known_cards(self.store, self.known_cards, now, self.stopped)
            self.known_cards = {}
        return out

    # -- trace ----------------------------------------------------------------------------

    def _trace(self, batch: Batch, now: datetime) -> list[Action]:
        p = self.policy
        if not (p.freeze_first_level or p.trace_on_report):
            return []
        reports = batch.events.get("victim_reports")
        new = reports.column("report_id").to_pylist() if reports is not None else []
        if p.freeze_first_level:
            if not new:
                return []
            self.work.flush(LEDGER)
            fc = first_level_orders(self.store, new, now, self.stopped)
            self.standing_claims += [StandingClaim(*c, now) for c in fc.claims]
            return fc.actions
        self.open_reports = {r: t for r, t in self.open_reports.items() if now - t <= p.follow_up}
        self._new |= set(new)
        dirty = self._new | self._moved(batch)
        # New reports wait for the next tick too: one trace of the ledger per tick costs about a
        # second at city scale, whatever the number of reports in it.
        due = self.last_trace is None or now - self.last_trace >= p.retrace_every
        if not (due and dirty):
            return []
        self.last_trace = now
        # Every question of a tick reads the ledger book, not the store's ledger: the ledger's
        # rows go to the book now and into the store in bigger inserts (a daily detection
        # writes them, or a million of them waiting).
        self.work.flush(LEDGER, defer=("transactions",))
        todo = sorted(r for r in self.open_reports if r in dirty)
        self._dirty, self._new = set(), set()
        fc = traced_orders(self.store, todo, now, self.stopped, self.book, self.holders)
        self.standing_claims += [StandingClaim(*c, now) for c in fc.claims]
        where = fc.where
        for r in todo:
            for a in self._watch_of.pop(r, set()):
                self._watched.get(a, set()).discard(r)
            self._watch_of[r] = where.get(r, set()) - self.stopped
            for a in self._watch_of[r]:
                self._watched.setdefault(a, set()).add(r)
        return fc.actions

    def _moved(self, batch: Batch) -> set[str]:
        """Open reports whose money may have moved: a payment out of an account holding it."""
        txns = batch.events.get("transactions")
        if txns is not None and self._watched:
            accounts = pa.array(list(self._watched), pa.string())
            hit = pc.is_in(txns.column("from_account"), value_set=accounts)
            for a in set(txns.filter(hit).column("from_account").to_pylist()):
                self._dirty |= self._watched.get(a, set())
        self._dirty &= set(self.open_reports)
        return self._dirty

    # -- detect ---------------------------------------------------------------------------

    def _detect(self, batch: Batch, now: datetime) -> list[Action]:
        p = self.policy
        if not p.detect:
            return []
        out: list[Action] = []
        if (calls := batch.events.get("calls")) is not None:
            self.flags.suspect_numbers(self.bursts.add(calls, now), "bursts", replace=False)
        if self.last_detect is None or now - self.last_detect >= p.detect_every:
            self.last_detect = now
            self.work.flush()
            out += sim_actions(self.store, self.flags, p, now, self.blocked, self.reverified,
                               self.sims())  # fmt: skip
        if self.last_accounts is None or now - self.last_accounts >= p.accounts_every:
            self.last_accounts = now
            self.work.flush()
            flag_accounts(self.store, self.flags, p, now, self.book, self.ledger_figures)
        if self.last_rings is None or now - self.last_rings >= p.rings_every:
            self.last_rings = now
            self.work.flush()
            out += target_packages(self.store, now, sims=self.sims())
        return out

    # -- warn -----------------------------------------------------------------------------

    def _warn(self, batch: Batch, now: datetime) -> list[Action]:
        if not self.policy.warn:
            return []
        ev = batch.events
        parts = []
        if (t := ev.get("calls")) is not None:
            parts.append(flagged_contacts(t, self.flags.phones))
        if (t := ev.get("web_events")) is not None:
            parts.append(fraud_site_events(t, self.flags.urls, self.flags.apps))
        if (t := ev.get("transactions")) is not None:
            parts.append(payments_to_flagged(t, self.flags.accounts))
        evidence = pa.concat_tables([EVIDENCE.empty_table(), *parts])
        if evidence.num_rows == 0:
            return []
        desk, people = self.desk, self.people
        # A short call or SMS from a number only suspected earns nothing on its own (see the
        # desk), but it is evidence for whoever earns more within a day: the desk holds it by
        # the number called, and sees it only for the people it has other evidence on. This
        # batch's rows are resolved to their person as whole columns (holder ids); the desk
        # is asked about each person once; earlier short contact comes from the memory, for
        # the people who were not under watch when it came.
        noise = dialling_noise(evidence, TALK_S)
        who = people.holders(evidence)
        known = who != NO_ID
        asked = sorted_distinct(who[known])
        earning = sorted_distinct(who[known & ~noise])
        names = people.idno_list(asked)
        under_watch = desk.watching(names, now)  # the desk's own work: a step a person
        watched = asked[np.array([i in under_watch for i in names], bool)]
        fresh = earning[~among(earning, watched)]
        numbers, owner = people.numbers(fresh)
        earlier = desk.noise.of(numbers, now) if len(numbers) else None
        if noise.any():
            desk.noise.hold(evidence.filter(pa.array(noise)), now)
        keep = known & (~noise | among(who, sorted_distinct(np.concatenate([watched, earning]))))
        if not keep.any():
            return []  # no one earned anything, and no one under watch was called
        who = who[keep]
        evidence = evidence.filter(pa.array(keep))
        if earlier is not None and earlier.num_rows:
            # Only short contact to a number still theirs counts. Asked here, where the memory
            # held some, not of every number above: most batches never get this far.
            still = people.still_theirs(numbers, owner)
            numbers, owner = numbers.filter(pa.array(still)), owner[still]
            at = pc.index_in(earlier.column("msisdn"), value_set=numbers)
            theirs = pc.is_valid(at)
            earlier = earlier.filter(theirs)
            at = np.asarray(at.filter(theirs).to_numpy(zero_copy_only=False), np.int64)
            who = np.concatenate([who, owner[at]])
            evidence = pa.concat_tables([evidence, earlier])

        def locate(idnos: list[str]) -> dict[str, tuple[str, str]]:
            return people.districts(self.store, idnos, lambda: self.work.flush(REGISTRATIONS))

        return desk.consider(people.attach(evidence, who), now, locate)
