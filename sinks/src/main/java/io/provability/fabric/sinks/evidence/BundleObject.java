package io.provability.fabric.sinks.evidence;

import java.time.Instant;
import java.time.LocalDate;

/**
 * One listed evidence object.
 *
 * @param key          object key
 * @param size         stored size in bytes
 * @param lastModified when S3 stored it
 * @param day          the key's {@code dt=} day
 * @param tenant       the key's tenant
 * @param rootHex      the key's root
 */
public record BundleObject(String key, long size, Instant lastModified, LocalDate day, String tenant, String rootHex) {
}
