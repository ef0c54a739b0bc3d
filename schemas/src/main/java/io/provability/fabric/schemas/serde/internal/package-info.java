/**
 * Internal: not for use outside this module; may change without notice. Helpers of the event codec
 * (byte-array decoding, writer-to-reader schema resolution) and the generator of the published,
 * self-contained schemas.
 */
package io.provability.fabric.schemas.serde.internal;
