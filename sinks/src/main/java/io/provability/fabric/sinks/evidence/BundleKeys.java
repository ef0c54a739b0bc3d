package io.provability.fabric.sinks.evidence;

import io.provability.fabric.schemas.hash.Hex;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content-addressed key layout of evidence objects:
 * {@code bundles/dt=YYYY-MM-DD/tenant=<tenant>/<root hex>.pfb}.
 *
 * <p>{@code dt} is the UTC date of the window start, so a day's bundles share a prefix (listing and
 * lifecycle filters work per day). The tenant is percent-encoded (RFC 3986 unreserved characters
 * stay as they are) so that a tenant name can never add a path segment. The root makes the key a
 * function of the content: writing the same bundle twice addresses the same object.
 */
public final class BundleKeys {

    /** Prefix of every bundle key; the lifecycle rule is scoped to it. */
    public static final String PREFIX = "bundles/";
    /** File extension of evidence objects. */
    public static final String EXTENSION = ".pfb";

    private static final Pattern KEY = Pattern.compile(
            "bundles/dt=(\\d{4}-\\d{2}-\\d{2})/tenant=([^/]+)/([0-9a-f]{64})\\.pfb");

    private BundleKeys() {
    }

    /**
     * A parsed key.
     *
     * @param key     the key
     * @param day     the {@code dt} partition
     * @param tenant  the tenant (decoded)
     * @param rootHex the root, 64 lower-case hex digits
     */
    public record ParsedKey(String key, LocalDate day, String tenant, String rootHex) {
    }

    /**
     * @param windowStart start of the bundle's window
     * @param tenant      tenant
     * @param root        Merkle root (32 bytes)
     * @return the object key
     */
    public static String keyFor(Instant windowStart, String tenant, byte[] root) {
        return dayPrefix(LocalDate.ofInstant(windowStart, ZoneOffset.UTC)) + "tenant=" + encodeTenant(tenant) + "/"
                + Hex.encode(root) + EXTENSION;
    }

    /** @return {@code bundles/dt=YYYY-MM-DD/} */
    public static String dayPrefix(LocalDate day) {
        return PREFIX + "dt=" + day + "/";
    }

    /** @return the key's parts, or empty when it is not a bundle key */
    public static Optional<ParsedKey> parse(String key) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ParsedKey(key, LocalDate.parse(m.group(1)),
                    URLDecoder.decode(m.group(2), StandardCharsets.UTF_8), m.group(3)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static String encodeTenant(String tenant) {
        // URLEncoder is form encoding: space becomes '+', '*' stays; fix both to RFC 3986
        return URLEncoder.encode(tenant, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
    }
}
