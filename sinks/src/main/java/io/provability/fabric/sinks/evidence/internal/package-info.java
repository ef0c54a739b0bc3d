/**
 * Internal: not for use outside this module; may change without notice. The layout and compression
 * of the content-addressed entry objects the sequencer writes and the auditor reads.
 */
package io.provability.fabric.sinks.evidence.internal;
