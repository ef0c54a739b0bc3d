/**
 * Internal: not for use outside this module; may change without notice. The egress detectors
 * (patterns, keyed secrets, phone numbers, checksums, encoded data, placeholders) behind the
 * scanner.
 */
package io.provability.fabric.processors.egress.internal;
