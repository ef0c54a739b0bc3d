/**
 * The decision log in PostgreSQL: idempotent batch writes, daily partitions and retention, reads
 * for audits.
 */
package io.provability.fabric.sinks.decisionlog;
