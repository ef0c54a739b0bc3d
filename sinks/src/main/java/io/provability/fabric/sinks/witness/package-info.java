/**
 * A witness for the evidence logs, modelled on C2SP tlog-witness: it reads each log's signed
 * checkpoint, proves it consistent with the last checkpoint it cosigned (from the log's tiles),
 * refuses rollbacks and forks, and publishes the checkpoint with its tlog-cosignature/v1 added. Its
 * state survives restarts.
 */
package io.provability.fabric.sinks.witness;
