/**
 * What {@code fabric demo} drives and checks: synthetic traffic on Kafka and an audit of the sinks'
 * rows and objects.
 */
package io.provability.fabric.tools.internal.demo;
