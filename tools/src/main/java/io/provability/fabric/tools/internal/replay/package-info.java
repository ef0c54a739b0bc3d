/**
 * Replay: re-decides recorded requests with their recorded decision times under a chosen policy
 * state, and compares the outcome with the recorded decisions. Reads only (requests topic by manual
 * assignment, decision log, evidence bucket); writes only to its own output file.
 */
package io.provability.fabric.tools.internal.replay;
