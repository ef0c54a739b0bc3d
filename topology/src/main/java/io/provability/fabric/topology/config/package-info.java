/**
 * The application's configuration: every key declared once in {@link
 * io.provability.fabric.topology.config.FabricConfig}, the endpoints of the four services, the
 * generated configuration reference.
 */
package io.provability.fabric.topology.config;
