/**
 * The evidence log's entry: what the decider emits once per decision and what the sequencer appends
 * to the transparency log ({@link io.provability.fabric.schemas.evidence.LogEntry}).
 */
package io.provability.fabric.schemas.evidence;
