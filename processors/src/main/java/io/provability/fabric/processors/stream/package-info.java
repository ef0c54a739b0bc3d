/**
 * The Kafka Streams processors: intake (decode, check, dead-letter) and decide (deduplicate,
 * decide, one evidence entry per new decision), their stores and the policy state.
 */
package io.provability.fabric.processors.stream;
