/**
 * Internal: not for use outside this module; may change without notice. What the sink tasks share
 * behind their base classes: bad-record routing, record value access and the connector version.
 */
package io.provability.fabric.connectors.internal;
