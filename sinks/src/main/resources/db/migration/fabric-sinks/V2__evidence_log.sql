-- The evidence is a transparency log per partition of the evidence topic (docs/audit.md): the
-- per-session bundle index is gone (no deployment holds data in that format).
DROP TABLE IF EXISTS decision_evidence;
DROP TABLE IF EXISTS evidence_bundle;

-- Every checkpoint a sequencer published, so an auditor can ask for consistency with any past size
-- and a restarted sequencer knows where its log and its Kafka partition stand.
CREATE TABLE log_checkpoint (
    origin       text        NOT NULL,
    size         bigint      NOT NULL,
    root         bytea       NOT NULL,
    -- the signed note exactly as published at <prefix>/checkpoint
    note         bytea       NOT NULL,
    -- the evidence topic partition this log is sequenced from, and the offset of the first record
    -- not yet in the log: a restarted sequencer resumes reading there
    kafka_topic     text     NOT NULL,
    kafka_partition integer  NOT NULL,
    next_offset  bigint      NOT NULL,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (origin, size),
    CONSTRAINT log_checkpoint_root_is_sha256 CHECK (octet_length(root) = 32)
);

CREATE INDEX log_checkpoint_published_at_idx ON log_checkpoint (origin, published_at);

-- Where each decision's entry is: written by the sequencer in the same transaction as the checkpoint
-- that first includes it. Partitioned by the decision's UTC day like decision_log, with the same
-- retention (PartitionManager creates and drops both tables' partitions together).
CREATE TABLE decision_evidence (
    decided_on  date   NOT NULL,
    decision_id text   NOT NULL,
    log_origin  text   NOT NULL,
    leaf_index  bigint NOT NULL,
    PRIMARY KEY (decided_on, log_origin, leaf_index)
) PARTITION BY RANGE (decided_on);

CREATE INDEX decision_evidence_decision_id_idx ON decision_evidence (decision_id);
CREATE INDEX decision_evidence_leaf_idx ON decision_evidence (log_origin, leaf_index);
