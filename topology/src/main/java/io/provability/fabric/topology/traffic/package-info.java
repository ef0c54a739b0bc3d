/**
 * Synthetic requests (plans, retrievals, egress) with realistic session and tool distributions, for
 * the warm-up and the load generator.
 */
package io.provability.fabric.topology.traffic;
