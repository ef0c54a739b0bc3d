package io.provability.fabric.sinks.evidence;

/**
 * Whether the bucket carries the evidence lifecycle rule, as read back from S3 after applying it.
 *
 * @param supported false when the endpoint does not implement bucket lifecycle (S3Proxy)
 * @param applied true when the rule was read back with the configured values
 * @param transitionDays configured days before transition
 * @param transitionStorageClass configured storage class
 * @param expirationDays configured days before expiry
 * @param detail what was read back, or the endpoint's error
 */
public record LifecycleStatus(
    boolean supported,
    boolean applied,
    int transitionDays,
    String transitionStorageClass,
    int expirationDays,
    String detail) {}
