-- Store schema version 5: the web face. Users of the console and the member API with their
-- roles, the tokens they hold, the audit log (append-only, each entry chained to the one before
-- by a SHA-256 hash so that an edit or a deletion shows), and the warning queue (预警劝阻 desk)
-- with every step of each warning kept.
CREATE TABLE "web_users" (
  "username" VARCHAR NOT NULL PRIMARY KEY,
  "role" VARCHAR NOT NULL,             -- analyst | supervisor | bank | operator | platform
  "inst_id" VARCHAR,                   -- the member institution, for bank, operator, platform
  "password_hash" VARCHAR NOT NULL,    -- argon2id, with its own salt and parameters
  "created_at" TIMESTAMPTZ NOT NULL,
  "active" BOOLEAN NOT NULL
);

CREATE TABLE "web_tokens" (
  "token_sha256" VARCHAR NOT NULL PRIMARY KEY,  -- the token itself is never stored
  "username" VARCHAR NOT NULL,
  "issued_at" TIMESTAMPTZ NOT NULL,
  "expires_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "audit_log" (
  "seq" BIGINT NOT NULL PRIMARY KEY,   -- 1, 2, ... with no gaps
  "at" TIMESTAMPTZ NOT NULL,
  "username" VARCHAR NOT NULL,         -- '-' for an unauthenticated attempt
  "role" VARCHAR NOT NULL,
  "inst_id" VARCHAR,
  "action" VARCHAR NOT NULL,           -- e.g. read.identifier, order.answer, login
  "target" VARCHAR NOT NULL,           -- what was read or acted on
  "outcome" VARCHAR NOT NULL,          -- ok | denied | refused
  "detail" VARCHAR NOT NULL,           -- JSON
  "prev_hash" VARCHAR NOT NULL,
  "hash" VARCHAR NOT NULL              -- sha256(prev_hash | the entry's canonical JSON)
);

CREATE TABLE "warning_queue" (
  "warning_id" VARCHAR NOT NULL PRIMARY KEY,
  "decided_at" TIMESTAMPTZ NOT NULL,
  "person_id" VARCHAR,
  "msisdn" VARCHAR,
  "grade" VARCHAR NOT NULL,            -- high | medium | low
  "channel" VARCHAR NOT NULL,          -- visit | call_96110 | sms_12381
  "basis" VARCHAR NOT NULL,
  "evidence" VARCHAR NOT NULL,         -- JSON
  "state" VARCHAR NOT NULL,            -- decided | dispatched | handed_off | feedback | closed
  "outcome" VARCHAR,                   -- dissuaded | already_paid | not_a_victim | unreachable | not_dissuaded
  "updated_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "warning_events" (
  "warning_id" VARCHAR NOT NULL,
  "seq" INTEGER NOT NULL,
  "at" TIMESTAMPTZ NOT NULL,
  "state" VARCHAR NOT NULL,
  "outcome" VARCHAR,
  "username" VARCHAR NOT NULL,
  "note" VARCHAR
);
