package io.provability.fabric.processors.stream;

import io.provability.fabric.events.Decision;
import org.apache.avro.specific.SpecificRecord;

/**
 * A request and the decision made for it, passed from the decider to the evidence bundler inside
 * one sub-topology (never serialized).
 */
public record Evidence(SpecificRecord request, Decision decision) {}
