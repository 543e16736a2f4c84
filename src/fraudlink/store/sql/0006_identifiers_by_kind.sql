-- Store schema version 6: identifiers named by each row's kind (report_indicators, case_confirmations
-- and member_flags `value`, seized_evidence `identifier`) normalised as ingest normalises them, for
-- stores loaded before ingest did. The rewrite itself is a Python step that runs after this file in
-- the same transaction (migrations.py, `normalise_identifiers_by_kind`): the normaliser is the data
-- model's identifier rules, which SQL cannot call. A stored value that does not read as its kind
-- is kept as stored and listed in `migration_notes`, as is a key that now repeats.
CREATE TABLE "migration_notes" (
  "version" INTEGER NOT NULL,          -- the migration that wrote the note
  "feed" VARCHAR NOT NULL,
  "field" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,             -- the row's kind (`kind`, `item_kind`)
  "value" VARCHAR NOT NULL,            -- the value as it is now stored
  "rows" BIGINT NOT NULL,              -- rows holding it
  "reason" VARCHAR NOT NULL
);
