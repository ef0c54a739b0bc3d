/**
 * Ed25519 keys and key rings, JWKS, and the one rule for signing a record canonically ({@link
 * io.provability.fabric.processors.crypto.internal.CanonicalSigning}).
 */
package io.provability.fabric.processors.crypto;
