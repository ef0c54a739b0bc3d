/** What evidence-bundle signatures cover, shared by the bundler that signs and the auditors that verify. */
package io.provability.fabric.schemas.evidence;
