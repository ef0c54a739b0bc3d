/**
 * Internal: not for use outside this module; may change without notice. Secret references in
 * connector configurations and the reading of local task states for the in-process Connect worker.
 */
package io.provability.fabric.connectors.runtime.internal;
