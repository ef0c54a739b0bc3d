/**
 * {@code fabric policy test}: kernel cases as JSON files, decided offline by the same code as the
 * topology.
 */
package io.provability.fabric.tools.internal.policytest;
