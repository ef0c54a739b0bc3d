/**
 * Wiring of the audit tools to a deployment: read-only connections to the decision log and the
 * evidence bucket, the trusted evidence key ring, and the replay runner that reads the requests
 * topic by manual assignment.
 */
package io.provability.fabric.tools.internal.audit;
