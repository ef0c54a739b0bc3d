/**
 * RFC 6962 Merkle trees over evidence leaves: hashing with distinct leaf and node prefixes, a tree
 * that produces inclusion and consistency proofs, and a verifier that needs only the proof.
 */
package io.provability.fabric.schemas.merkle;
