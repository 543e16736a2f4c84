-- Store schema version 4: fund-control orders as records. An emergency stop-payment (紧急止付) or
-- freeze (冻结) order names its target account, its addressee (the account's institution, acted on
-- by its head office), its legal basis, its evidence and the checks the institution must match;
-- `order_events` keeps every state it went through, so the history is never overwritten.
CREATE TABLE "orders" (
  "order_id" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,             -- 'stop_payment' | 'freeze'
  "account" VARCHAR NOT NULL,
  "inst_id" VARCHAR NOT NULL,          -- the addressee: this institution's head office
  "addressee" VARCHAR NOT NULL,        -- the institution's name, as written on the order
  "account_name" VARCHAR NOT NULL,
  "amount_fen" BIGINT NOT NULL,        -- the amount asked to be held
  "held_fen" BIGINT,                   -- the amount the institution reports actually held
  "report_ids" VARCHAR[] NOT NULL,
  "legal_basis" VARCHAR NOT NULL,
  "evidence" VARCHAR NOT NULL,         -- JSON: victims, amounts, hops, times
  "checks" VARCHAR NOT NULL,           -- JSON: name, number, amount, time to be matched
  "requested_at" TIMESTAMPTZ NOT NULL,
  "takes_effect_at" TIMESTAMPTZ,
  "expires_at" TIMESTAMPTZ,            -- null for a freeze: it lasts until released
  "renewals" TINYINT NOT NULL,
  "state" VARCHAR NOT NULL,
  "priority" DOUBLE NOT NULL,
  "created_by" VARCHAR NOT NULL
);

CREATE TABLE "order_events" (
  "order_id" VARCHAR NOT NULL,
  "seq" INTEGER NOT NULL,              -- 1, 2, ... per order: the order of the history
  "at" TIMESTAMPTZ NOT NULL,
  "event" VARCHAR NOT NULL,            -- request, acknowledge, execute, reject, renew, expire, release
  "state" VARCHAR NOT NULL,            -- the state after the event
  "amount_fen" BIGINT,                 -- asked (request) or held (execute)
  "expires_at" TIMESTAMPTZ,
  "note" VARCHAR
);
