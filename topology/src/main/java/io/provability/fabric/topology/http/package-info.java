/**
 * The HTTP front door: JSON requests mapped to the Avro events, published, and answered with their
 * decision; error bodies per RFC 9457.
 */
package io.provability.fabric.topology.http;
