/**
 * The wire formats of every event: Avro single-object encoding with an in-process schema store (no
 * external registry), or the Confluent/Apicurio schema-registry format for the ids a registry gave
 * ({@link io.provability.fabric.schemas.serde.WireFormat}); typed decode failures for the
 * dead-letter topic; Kafka serdes; and the schemas published self-contained for other languages.
 */
package io.provability.fabric.schemas.serde;
