/**
 * The egress firewall: detectors for PII and secrets in outgoing text, per-tenant policies as data,
 * redaction, and signed egress certificates. Entry point: {@link
 * io.provability.fabric.processors.egress.EgressFirewall}. See {@code docs/egress.md}.
 */
package io.provability.fabric.processors.egress;
