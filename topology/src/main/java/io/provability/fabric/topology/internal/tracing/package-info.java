/**
 * OpenTelemetry tracing: W3C trace context from the front door to the decision record, spans
 * exported over OTLP when configured.
 */
package io.provability.fabric.topology.internal.tracing;
