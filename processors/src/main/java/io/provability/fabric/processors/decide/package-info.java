/**
 * From a request to its decision: the request's identity ({@link
 * io.provability.fabric.processors.decide.RequestEnvelope}), the decider that routes each kind to
 * its engine, decision ids.
 */
package io.provability.fabric.processors.decide;
