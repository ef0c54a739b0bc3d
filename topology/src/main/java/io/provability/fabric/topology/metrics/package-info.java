/**
 * Prometheus metrics: the instance's meters, consumer lag, Connect sink metrics, and a cached
 * exposition for cheap scrapes.
 */
package io.provability.fabric.topology.metrics;
