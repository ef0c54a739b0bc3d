/**
 * The decision-log sink connector: Decision records from Kafka to the PostgreSQL {@code
 * decision_log} table, through {@code sinks.decisionlog}.
 */
package io.provability.fabric.connectors.decisionlog;
