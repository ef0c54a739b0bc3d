/**
 * Internal: not for use outside this module; may change without notice. Helpers of the kernel and
 * the retrieval gateway: resource pattern checks, token checks and the verified receipt cache.
 */
package io.provability.fabric.processors.kernel.internal;
