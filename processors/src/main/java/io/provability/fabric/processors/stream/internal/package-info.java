/**
 * Internal: not for use outside this module; may change without notice. Helpers of the stream
 * processors: dead-letter records and the deduplication store values.
 */
package io.provability.fabric.processors.stream.internal;
