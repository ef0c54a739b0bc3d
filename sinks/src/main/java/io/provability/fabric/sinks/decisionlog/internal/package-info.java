/**
 * Internal: not for use outside this module; may change without notice. Row encoding (reason codes,
 * reasons JSON, COPY CSV) and transaction rollback helpers behind the decision log writer.
 */
package io.provability.fabric.sinks.decisionlog.internal;
