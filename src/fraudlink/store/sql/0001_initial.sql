-- Store schema version 1: one table per feed of the data model, the quarantine and the ingest log.
-- Frozen: later changes go in new migrations, never here.

CREATE TABLE "persons" (
  "idno" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL,
  "sex" VARCHAR NOT NULL,
  "birth_date" DATE NOT NULL,
  "district" VARCHAR NOT NULL,
  "occupation" VARCHAR NOT NULL
);

CREATE TABLE "institutions" (
  "inst_id" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "prefixes" VARCHAR
);

CREATE TABLE "outlets" (
  "outlet_id" VARCHAR NOT NULL,
  "inst_id" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "district" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL
);

CREATE TABLE "staff" (
  "staff_id" VARCHAR NOT NULL,
  "outlet_id" VARCHAR NOT NULL,
  "idno" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL
);

CREATE TABLE "bank_accounts" (
  "account" VARCHAR NOT NULL,
  "inst_id" VARCHAR NOT NULL,
  "account_class" TINYINT NOT NULL,
  "holder_kind" VARCHAR NOT NULL,
  "owner_idno" VARCHAR NOT NULL,
  "owner_name" VARCHAR NOT NULL,
  "phone" VARCHAR,
  "opened_at" TIMESTAMPTZ NOT NULL,
  "outlet_id" VARCHAR,
  "staff_id" VARCHAR,
  "device_imei" VARCHAR,
  "ip" VARCHAR
);

CREATE TABLE "sim_cards" (
  "msisdn" VARCHAR NOT NULL,
  "inst_id" VARCHAR NOT NULL,
  "owner_idno" VARCHAR NOT NULL,
  "registered_at" TIMESTAMPTZ NOT NULL,
  "outlet_id" VARCHAR,
  "staff_id" VARCHAR,
  "device_imei" VARCHAR
);

CREATE TABLE "devices" (
  "imei" VARCHAR NOT NULL,
  "model" VARCHAR NOT NULL,
  "first_seen" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "ip_addresses" (
  "ip" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "district" VARCHAR
);

CREATE TABLE "urls" (
  "url" VARCHAR NOT NULL,
  "domain" VARCHAR NOT NULL,
  "domain_registered_at" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "apps" (
  "app_id" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL,
  "first_seen" TIMESTAMPTZ NOT NULL
);

CREATE TABLE "platform_accounts" (
  "social_id" VARCHAR NOT NULL,
  "inst_id" VARCHAR NOT NULL,
  "msisdn" VARCHAR NOT NULL,
  "registered_at" TIMESTAMPTZ NOT NULL,
  "device_imei" VARCHAR,
  "ip" VARCHAR
);

CREATE TABLE "transactions" (
  "txn_id" BIGINT NOT NULL,
  "time" TIMESTAMPTZ NOT NULL,
  "from_account" VARCHAR NOT NULL,
  "to_account" VARCHAR,
  "amount_fen" BIGINT NOT NULL,
  "channel" VARCHAR NOT NULL,
  "terminal" VARCHAR
);

CREATE TABLE "calls" (
  "call_id" BIGINT NOT NULL,
  "time" TIMESTAMPTZ NOT NULL,
  "caller" VARCHAR NOT NULL,
  "callee" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "duration_s" INTEGER NOT NULL,
  "cell_id" VARCHAR NOT NULL
);

CREATE TABLE "logins" (
  "login_id" BIGINT NOT NULL,
  "time" TIMESTAMPTZ NOT NULL,
  "account" VARCHAR NOT NULL,
  "account_kind" VARCHAR NOT NULL,
  "device_imei" VARCHAR NOT NULL,
  "ip" VARCHAR NOT NULL
);

CREATE TABLE "web_events" (
  "event_id" BIGINT NOT NULL,
  "time" TIMESTAMPTZ NOT NULL,
  "msisdn" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "url" VARCHAR,
  "app_id" VARCHAR
);

CREATE TABLE "victim_reports" (
  "report_id" VARCHAR NOT NULL,
  "reported_at" TIMESTAMPTZ NOT NULL,
  "victim_idno" VARCHAR NOT NULL,
  "victim_msisdn" VARCHAR,
  "district" VARCHAR NOT NULL,
  "fraud_type" VARCHAR NOT NULL,
  "contact_channel" VARCHAR NOT NULL,
  "narrative" VARCHAR NOT NULL,
  "claimed_loss_fen" BIGINT NOT NULL
);

CREATE TABLE "report_payments" (
  "report_id" VARCHAR NOT NULL,
  "seq" SMALLINT NOT NULL,
  "paid_at" TIMESTAMPTZ NOT NULL,
  "from_account" VARCHAR,
  "to_account" VARCHAR NOT NULL,
  "amount_fen" BIGINT NOT NULL
);

CREATE TABLE "report_indicators" (
  "report_id" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "value" VARCHAR NOT NULL
);

CREATE TABLE "seized_evidence" (
  "operation_id" VARCHAR NOT NULL,
  "item_no" INTEGER NOT NULL,
  "seized_at" TIMESTAMPTZ NOT NULL,
  "district" VARCHAR NOT NULL,
  "item_kind" VARCHAR NOT NULL,
  "identifier" VARCHAR
);

CREATE TABLE "case_confirmations" (
  "case_id" VARCHAR NOT NULL,
  "report_id" VARCHAR NOT NULL,
  "confirmed_at" TIMESTAMPTZ NOT NULL,
  "kind" VARCHAR NOT NULL,
  "value" VARCHAR NOT NULL
);

CREATE TABLE "member_flags" (
  "flag_id" BIGINT NOT NULL,
  "flagged_at" TIMESTAMPTZ NOT NULL,
  "inst_id" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "value" VARCHAR NOT NULL,
  "confidence" DOUBLE NOT NULL,
  "reason" VARCHAR NOT NULL
);

CREATE TABLE "quarantine" (
  "ingest_id" BIGINT NOT NULL,
  "feed" VARCHAR NOT NULL,
  "file" VARCHAR NOT NULL,
  "row_number" BIGINT NOT NULL,
  "field" VARCHAR NOT NULL,
  "value" VARCHAR,
  "reason" VARCHAR NOT NULL
);

CREATE TABLE "ingest_log" (
  "ingest_id" BIGINT NOT NULL,
  "file" VARCHAR NOT NULL,
  "sha256" VARCHAR NOT NULL,
  "feed" VARCHAR NOT NULL,
  "ingested_at" TIMESTAMPTZ NOT NULL,
  "rows_read" BIGINT NOT NULL,
  "rows_loaded" BIGINT NOT NULL,
  "rows_duplicate" BIGINT NOT NULL,
  "rows_quarantined" BIGINT NOT NULL
);
