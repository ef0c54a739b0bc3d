/**
 * What the two Kafka Connect sinks share: the task and connector bases ({@link
 * io.provability.fabric.connectors.FabricSinkTask}, {@link
 * io.provability.fabric.connectors.FabricSinkConnector}), the common settings, bad-record routing
 * and write counting.
 */
package io.provability.fabric.connectors;
