/**
 * Internal: not for use outside this module; may change without notice. The canonical signing rule
 * shared by the token, receipt and certificate signers.
 */
package io.provability.fabric.processors.crypto.internal;
