/**
 * The hot tier: in-process caches of decisions, egress verdicts, tokens and session spends, and the
 * Redis tier shared by instances. Keys are built from everything a cached answer depends on.
 */
package io.provability.fabric.processors.cache;
