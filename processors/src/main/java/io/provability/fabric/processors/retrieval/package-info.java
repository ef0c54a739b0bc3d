/**
 * The retrieval gateway: decides retrievals, spends differential-privacy budgets per session, signs
 * access receipts.
 */
package io.provability.fabric.processors.retrieval;
