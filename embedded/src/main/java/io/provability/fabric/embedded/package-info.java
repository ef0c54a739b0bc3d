/**
 * The development and test kit: a KRaft broker, PostgreSQL, Redis and S3Proxy started in this JVM
 * ({@link io.provability.fabric.embedded.EmbeddedStack}), with fault hooks for tests. A test that
 * needs one server alone starts it on its own: {@link io.provability.fabric.embedded.KafkaService},
 * {@link io.provability.fabric.embedded.PostgresService}, {@link
 * io.provability.fabric.embedded.S3Service}. Depends on no other module of the project, and is
 * never part of the production distribution.
 */
package io.provability.fabric.embedded;
