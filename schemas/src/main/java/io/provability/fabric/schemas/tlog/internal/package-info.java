/**
 * Internal: not for use outside this module; may change without notice. Key ids and key encodings
 * of the signed-note format, shared by the note signer and verifier.
 */
package io.provability.fabric.schemas.tlog.internal;
