/**
 * Byte-exact hashing of events: the canonical single-object encoding every hash, signature and
 * Merkle leaf of the fabric is computed over, SHA-256, and lowercase hex.
 */
package io.provability.fabric.schemas.hash;
