/**
 * The kernel: decides plans of tool calls against capability tokens, labels, budgets and receipts
 * ({@link io.provability.fabric.processors.kernel.KernelEngine}); reason codes; token and receipt
 * signing.
 */
package io.provability.fabric.processors.kernel;
