/**
 * Internal: not for use outside this module; may change without notice. The RFC 6962 Merkle tree
 * builder and the proof computations shared by the tree and the tile reader.
 */
package io.provability.fabric.schemas.merkle.internal;
