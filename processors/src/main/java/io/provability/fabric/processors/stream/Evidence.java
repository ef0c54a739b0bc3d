package io.provability.fabric.processors.stream;

import io.provability.fabric.events.Decision;
import org.apache.avro.specific.SpecificRecord;

/**
 * A request and the decision made for it, with their canonical encodings, passed from the decider
 * to the evidence bundler inside one sub-topology (never serialized). The encodings become the
 * REQUEST and DECISION leaves as they are.
 *
 * @param request the request event
 * @param requestBytes its canonical encoding (the bytes its request hash was computed over)
 * @param decision the decision made for it
 * @param decisionBytes the decision's canonical encoding
 */
public record Evidence(SpecificRecord request, byte[] requestBytes, Decision decision, byte[] decisionBytes) {}
