/**
 * The wire format of every event: Avro single-object encoding with an in-process schema store (no
 * external registry), typed decode failures for the dead-letter topic, and Kafka serdes.
 */
package io.provability.fabric.schemas.serde;
