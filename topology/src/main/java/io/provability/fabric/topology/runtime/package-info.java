/**
 * Runs an instance: {@link io.provability.fabric.topology.runtime.FabricRuntime} starts the
 * topology, the sink pipeline, the hot tier and the operations server, and stops them in order.
 */
package io.provability.fabric.topology.runtime;
