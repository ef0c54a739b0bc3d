/**
 * Internal: not for use outside this module; may change without notice. Derivation of decision ids
 * from request ids.
 */
package io.provability.fabric.processors.decide.internal;
