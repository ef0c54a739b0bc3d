/**
 * The topology factory ({@link io.provability.fabric.topology.FabricTopology}): wires the
 * processors, stores and topics into one Kafka Streams topology.
 */
package io.provability.fabric.topology;
