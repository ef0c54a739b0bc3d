/**
 * The evidence log on S3: the sequencer that appends entries to one RFC 6962 log per partition and
 * publishes C2SP tiles, entry bundles and signed checkpoints.
 */
package io.provability.fabric.sinks.evidence;
