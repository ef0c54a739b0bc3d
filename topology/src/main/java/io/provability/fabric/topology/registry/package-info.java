/**
 * A client of a Confluent-compatible schema registry, and the subject names of the event schemas.
 */
package io.provability.fabric.topology.registry;
