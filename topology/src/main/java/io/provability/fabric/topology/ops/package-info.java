/**
 * Operations: health of the stream threads, the dependency watch (loss and return of each server),
 * topic declarations and {@code fabric topics apply}.
 */
package io.provability.fabric.topology.ops;
