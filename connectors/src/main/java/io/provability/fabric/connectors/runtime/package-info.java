/**
 * The in-process Connect worker that runs both sinks beside the topology ({@link
 * io.provability.fabric.connectors.runtime.EmbeddedConnect}), its settings, secret references and
 * task supervision.
 */
package io.provability.fabric.connectors.runtime;
