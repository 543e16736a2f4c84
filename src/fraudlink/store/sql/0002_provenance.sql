-- Store schema version 2: provenance. Every feed row records the ingest run that loaded it, so a
-- hit in rapid comparison can say which file (and so which member, when) it came from; the ingest
-- log records the mapping profile a foreign export was read with.
ALTER TABLE "ingest_log" ADD COLUMN "profile" VARCHAR;
-- {for_each_feed}: ALTER TABLE "{table}" ADD COLUMN "ingest_id" BIGINT;
