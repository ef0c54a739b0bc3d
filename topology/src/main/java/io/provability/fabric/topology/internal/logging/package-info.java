/**
 * Log4j policy that rewrites library events known to be harmless to one WARN line saying they
 * recover by themselves.
 */
package io.provability.fabric.topology.internal.logging;
