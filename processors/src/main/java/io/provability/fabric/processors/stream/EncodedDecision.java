package io.provability.fabric.processors.stream;

import io.provability.fabric.events.Decision;

/**
 * A decision and its canonical encoding, made once by the decider and then used as the record on
 * the decisions topic, the deduplication store's value and the decision part of its evidence log
 * entry (all three are the same bytes by definition, so encoding it three times would only cost
 * time).
 *
 * @param decision the decision event
 * @param bytes its canonical single-object encoding ({@code CanonicalEncoding.encode(decision)});
 *     not to be modified
 */
public record EncodedDecision(Decision decision, byte[] bytes) {}
