-- The warm tier of the Provability Fabric: every decision, partitioned by UTC day, and the index of
-- the evidence bundles (S3 objects) whose Merkle roots cover those decisions.
-- Partitions themselves are created and dropped by PartitionManager, not here: their names depend on
-- the date the migration runs.

CREATE TABLE decision_log (
    decided_on           date        NOT NULL,
    decision_id          text        NOT NULL,
    request_id           text        NOT NULL,
    session_id           text        NOT NULL,
    tenant               text        NOT NULL,
    subject_id           text        NOT NULL,
    kind                 text        NOT NULL,
    verdict              text        NOT NULL,
    reason_codes         text[]      NOT NULL,
    reasons              jsonb       NOT NULL,
    matched_capabilities text[]      NOT NULL,
    token_id             text,
    policy_version       bigint      NOT NULL,
    decided_at           timestamptz NOT NULL,
    eval_micros          bigint      NOT NULL,
    request_hash         bytea       NOT NULL,
    -- the Decision exactly as it travelled on Kafka (Avro single-object encoding), so an auditor can
    -- re-check the row against the evidence leaf that holds the same bytes
    event                bytea       NOT NULL,
    logged_at            timestamptz NOT NULL DEFAULT now(),
    -- decided_on is the UTC day of decided_at: it is the partition key, so it must agree with it
    CONSTRAINT decision_log_day_matches CHECK (decided_on = (decided_at AT TIME ZONE 'UTC')::date),
    -- a replay carries the same decision_id and decided_at, hence the same key: ON CONFLICT DO NOTHING
    PRIMARY KEY (decided_on, decision_id)
) PARTITION BY RANGE (decided_on);

-- Partitioned indexes: every partition gets its own copy when it is created or attached.
CREATE INDEX decision_log_decision_id_idx ON decision_log (decision_id);
CREATE INDEX decision_log_request_id_idx ON decision_log (request_id);
CREATE INDEX decision_log_session_id_idx ON decision_log (session_id);
CREATE INDEX decision_log_tenant_decided_at_idx ON decision_log (tenant, decided_at);

-- One row per evidence bundle stored in S3: "the Merkle root recorded beside the decision rows".
CREATE TABLE evidence_bundle (
    root         bytea       PRIMARY KEY,
    object_key   text        NOT NULL,
    session_id   text        NOT NULL,
    tenant       text        NOT NULL,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    leaf_count   integer     NOT NULL,
    created_at   timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT evidence_bundle_root_is_sha256 CHECK (octet_length(root) = 32)
);

CREATE INDEX evidence_bundle_session_idx ON evidence_bundle (session_id);
CREATE INDEX evidence_bundle_tenant_window_idx ON evidence_bundle (tenant, window_end);

-- Which bundle (and which leaf of it) holds the evidence of a decision.
CREATE TABLE decision_evidence (
    decision_id text    PRIMARY KEY,
    bundle_root bytea   NOT NULL REFERENCES evidence_bundle (root) ON DELETE CASCADE,
    leaf_index  integer NOT NULL,
    object_key  text    NOT NULL
);

CREATE INDEX decision_evidence_bundle_root_idx ON decision_evidence (bundle_root);
