/**
 * The evidence sink connector: log entries from Kafka to the transparency log on S3 (tiles,
 * bundles, signed checkpoints), through {@code sinks.evidence.LogSequencer}.
 */
package io.provability.fabric.connectors.evidence;
