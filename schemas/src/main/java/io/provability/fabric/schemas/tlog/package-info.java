/**
 * C2SP tiled transparency logs: tile and bundle paths ({@link
 * io.provability.fabric.schemas.tlog.TlogPaths}), entry bundles, checkpoints on signed notes with
 * Ed25519 keys and tlog-cosignature/v1 witness cosignatures, an appender that says which tiles to
 * write, a reader that serves entries and proofs from stored tiles, and the tlog-proof file format.
 * Pure Java: storage is reached through functions from path to bytes.
 */
package io.provability.fabric.schemas.tlog;
