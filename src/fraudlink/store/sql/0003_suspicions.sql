-- Store schema version 3: the engine's own suspicions (a detector's score for an identifier), one
-- of the sources rapid comparison answers from, beside reports, cases, seizures and member flags.
CREATE TABLE "suspicions" (
  "detected_at" TIMESTAMPTZ NOT NULL,
  "kind" VARCHAR NOT NULL,
  "value" VARCHAR NOT NULL,
  "score" DOUBLE NOT NULL,
  "detector" VARCHAR NOT NULL,
  "reason" VARCHAR
);
