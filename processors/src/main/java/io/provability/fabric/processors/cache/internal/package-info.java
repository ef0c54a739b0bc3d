/**
 * Internal: not for use outside this module; may change without notice. The two-tier cache
 * machinery behind the hot tier: the tiered cache and its entries, the cached kernel, plan keys and
 * the egress scan cache.
 */
package io.provability.fabric.processors.cache.internal;
