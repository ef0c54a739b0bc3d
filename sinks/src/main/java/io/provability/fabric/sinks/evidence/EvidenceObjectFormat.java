package io.provability.fabric.sinks.evidence;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.Rfc6962;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * The byte layout of a stored evidence object ({@code .pfb}), version 1:
 *
 * <pre>
 * offset  size  field
 * 0       4     magic "PFEB" (0x50 0x46 0x45 0x42)
 * 4       1     format version, 0x01
 * 5       1     flags: bit 0 = body is an LZ4 frame; bits 1-7 must be 0
 * 6       4     uncompressed body length, unsigned big-endian
 * 10      n     body: UTF-8 JSON, or an LZ4 frame (lz4 frame format, the one the lz4 CLI reads)
 *               holding that JSON when flag bit 0 is set
 * </pre>
 *
 * <p>The body is compressed only when it is longer than the threshold (1 KiB by default). The LZ4
 * <em>frame</em> format was chosen over the raw block format because every LZ4 implementation reads
 * it ({@code lz4 -d}, Python {@code lz4.frame}, Go {@code pierrec/lz4}) and it carries its own content
 * checksum, so a damaged object fails loudly at decompression. The JSON document is described in
 * {@code docs/sinks.md}; its field order is fixed, so the same bundle always gives the same bytes.
 */
public final class EvidenceObjectFormat {

    /** The four magic bytes, "PFEB". */
    public static final byte[] MAGIC = {0x50, 0x46, 0x45, 0x42};
    /** Current format version. */
    public static final int VERSION = 1;
    /** Flag bit: the body is an LZ4 frame. */
    public static final int FLAG_LZ4 = 0x01;
    /** Header length in bytes. */
    public static final int HEADER_LENGTH = 10;
    /** The value of the JSON {@code format} field. */
    public static final String FORMAT_NAME = "provability-fabric/evidence-bundle";
    /** Largest body a reader accepts (guards against a forged length field). */
    public static final int MAX_BODY_LENGTH = 256 * 1024 * 1024;

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private EvidenceObjectFormat() {
    }

    /**
     * An encoded object and what its header says.
     *
     * @param bytes            the whole object
     * @param compressed       whether the body was LZ4-compressed
     * @param uncompressedBody length of the JSON body
     */
    public record Encoded(byte[] bytes, boolean compressed, int uncompressedBody) {
    }

    /**
     * The header fields of an object.
     *
     * @param version          format version
     * @param compressed       LZ4 flag
     * @param uncompressedBody declared body length
     */
    public record Header(int version, boolean compressed, int uncompressedBody) {
    }

    /**
     * Encodes a bundle: JSON body, LZ4 frame when the body is longer than {@code compressionThreshold}.
     *
     * @param bundle               the bundle (not checked here; see {@link BundleVerifier#checkConsistent})
     * @param compressionThreshold compress bodies strictly longer than this
     * @return the object bytes
     */
    public static Encoded encode(EvidenceBundle bundle, int compressionThreshold) {
        byte[] json = json(bundle);
        boolean compress = json.length > compressionThreshold;
        byte[] body = compress ? lz4(json) : json;
        ByteBuffer out = ByteBuffer.allocate(HEADER_LENGTH + body.length);
        out.put(MAGIC).put((byte) VERSION).put((byte) (compress ? FLAG_LZ4 : 0)).putInt(json.length).put(body);
        return new Encoded(out.array(), compress, json.length);
    }

    /**
     * Reads the header.
     *
     * @param object stored bytes
     * @return the header
     * @throws EvidenceFormatException when the header is not ours
     */
    public static Header header(byte[] object) {
        if (object.length < HEADER_LENGTH) {
            throw new EvidenceFormatException("object is " + object.length + " bytes, shorter than the "
                    + HEADER_LENGTH + "-byte header");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (object[i] != MAGIC[i]) {
                throw new EvidenceFormatException("not a Provability Fabric evidence object: magic bytes are "
                        + Hex.encode(java.util.Arrays.copyOf(object, 4)) + ", expected 50464542 (\"PFEB\")");
            }
        }
        int version = object[4] & 0xff;
        if (version != VERSION) {
            throw new EvidenceFormatException("unsupported evidence format version " + version + " (this reader knows "
                    + VERSION + ")");
        }
        int flags = object[5] & 0xff;
        if ((flags & ~FLAG_LZ4) != 0) {
            throw new EvidenceFormatException("unknown header flags 0x" + Integer.toHexString(flags));
        }
        long length = ByteBuffer.wrap(object, 6, 4).getInt() & 0xffff_ffffL;
        if (length > MAX_BODY_LENGTH) {
            throw new EvidenceFormatException("declared body length " + length + " exceeds the limit of "
                    + MAX_BODY_LENGTH + " bytes");
        }
        return new Header(version, (flags & FLAG_LZ4) != 0, (int) length);
    }

    /**
     * Returns the uncompressed JSON body of an object.
     *
     * @param object stored bytes
     * @return the JSON body
     * @throws EvidenceFormatException when the header is wrong, the body does not decompress, or its
     *                                 length differs from the header's
     */
    public static byte[] body(byte[] object) {
        Header h = header(object);
        byte[] body;
        if (h.compressed()) {
            try (InputStream in = new LZ4FrameInputStream(
                    new ByteArrayInputStream(object, HEADER_LENGTH, object.length - HEADER_LENGTH))) {
                body = in.readNBytes(h.uncompressedBody() + 1);
            } catch (IOException | RuntimeException e) {
                throw new EvidenceFormatException("body does not decompress as an LZ4 frame: " + e.getMessage(), e);
            }
        } else {
            body = java.util.Arrays.copyOfRange(object, HEADER_LENGTH, object.length);
        }
        if (body.length != h.uncompressedBody()) {
            throw new EvidenceFormatException("body is " + (body.length > h.uncompressedBody() ? "longer" : "shorter")
                    + " than the " + h.uncompressedBody() + " bytes the header declares");
        }
        return body;
    }

    /**
     * Decodes an object into the stored bundle (without verifying hashes).
     *
     * @param object stored bytes
     * @return the stored bundle
     * @throws EvidenceFormatException when any structural check fails
     */
    public static StoredBundle decode(byte[] object) {
        return parse(body(object));
    }

    /** The JSON body of a bundle, fields in a fixed order. */
    static byte[] json(EvidenceBundle bundle) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512 + 256 * bundle.getLeaves().size());
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("format", FORMAT_NAME);
            g.writeNumberField("version", VERSION);
            g.writeStringField("session_id", bundle.getSessionId());
            g.writeStringField("tenant", bundle.getTenant());
            g.writeStringField("window_start", TIME.format(bundle.getWindowStart()));
            g.writeStringField("window_end", TIME.format(bundle.getWindowEnd()));
            g.writeStringField("created_at", TIME.format(bundle.getCreatedAt()));
            g.writeStringField("leaf_hash", "sha256(0x00 || body)");
            g.writeStringField("tree", "rfc6962-sha256");
            g.writeNumberField("leaf_count", bundle.getLeaves().size());
            g.writeArrayFieldStart("leaves");
            List<EvidenceLeaf> leaves = bundle.getLeaves();
            for (int i = 0; i < leaves.size(); i++) {
                EvidenceLeaf leaf = leaves.get(i);
                byte[] body = bytes(leaf.getBody());
                g.writeStartObject();
                g.writeNumberField("index", i);
                g.writeStringField("kind", leaf.getKind().name());
                g.writeStringField("decision_id", leaf.getDecisionId());
                g.writeStringField("request_id", leaf.getRequestId());
                g.writeStringField("leaf_hash", Hex.encode(Rfc6962.leafHash(body)));
                g.writeStringField("body", Base64.getEncoder().encodeToString(body));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("root", Hex.encode(bytes(bundle.getRoot())));
            if (bundle.getKeyId() == null) {
                g.writeNullField("key_id");
            } else {
                g.writeStringField("key_id", bundle.getKeyId());
            }
            if (bundle.getSignature() == null) {
                g.writeNullField("signature");
            } else {
                g.writeStringField("signature", Base64.getEncoder().encodeToString(bytes(bundle.getSignature())));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the evidence JSON failed", e);
        }
        return bytes.toByteArray();
    }

    static StoredBundle parse(byte[] json) {
        JsonNode doc;
        try {
            doc = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new EvidenceFormatException("body is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new EvidenceFormatException("body cannot be read: " + e.getMessage(), e);
        }
        if (doc == null || !doc.isObject()) {
            throw new EvidenceFormatException("body is not a JSON object");
        }
        String format = text(doc, "format");
        if (!FORMAT_NAME.equals(format)) {
            throw new EvidenceFormatException("body field 'format' is '" + format + "', expected '" + FORMAT_NAME + "'");
        }
        JsonNode version = doc.get("version");
        if (version == null || !version.canConvertToInt() || version.intValue() != VERSION) {
            throw new EvidenceFormatException("body field 'version' is " + version + ", expected " + VERSION);
        }
        JsonNode leavesNode = doc.get("leaves");
        if (leavesNode == null || !leavesNode.isArray()) {
            throw new EvidenceFormatException("body field 'leaves' is missing or not an array");
        }
        List<StoredBundle.Leaf> leaves = new ArrayList<>(leavesNode.size());
        for (int i = 0; i < leavesNode.size(); i++) {
            JsonNode l = leavesNode.get(i);
            String where = "leaves[" + i + "]";
            JsonNode index = l.get("index");
            if (index == null || !index.canConvertToInt() || index.intValue() != i) {
                throw new EvidenceFormatException(where + ".index is " + index + ", expected " + i);
            }
            LeafKind kind;
            try {
                kind = LeafKind.valueOf(text(l, "kind", where));
            } catch (IllegalArgumentException e) {
                throw new EvidenceFormatException(where + ".kind '" + l.get("kind").asText() + "' is not a leaf kind", e);
            }
            leaves.add(new StoredBundle.Leaf(i, kind, text(l, "decision_id", where), text(l, "request_id", where),
                    hex(l, "leaf_hash", where), base64(l, "body", where)));
        }
        JsonNode count = doc.get("leaf_count");
        if (count == null || !count.canConvertToInt() || count.intValue() != leaves.size()) {
            throw new EvidenceFormatException("body field 'leaf_count' is " + count + " but 'leaves' holds "
                    + leaves.size());
        }
        String keyId = doc.hasNonNull("key_id") ? text(doc, "key_id") : null;
        byte[] signature = doc.hasNonNull("signature") ? base64(doc, "signature", "body") : null;
        return new StoredBundle(text(doc, "session_id"), text(doc, "tenant"), time(doc, "window_start"),
                time(doc, "window_end"), time(doc, "created_at"), leaves, hex(doc, "root", "body"), keyId, signature);
    }

    private static byte[] lz4(byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 2 + 64);
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                json.length, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM, LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE)) {
            lz4.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException("LZ4 compression failed", e);
        }
        return out.toByteArray();
    }

    private static String text(JsonNode node, String field) {
        return text(node, field, "body");
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.getNodeType() != JsonNodeType.STRING) {
            throw new EvidenceFormatException(where + " field '" + field + "' is missing or not a string");
        }
        return v.textValue();
    }

    private static byte[] hex(JsonNode node, String field, String where) {
        String text = text(node, field, where);
        if (text.length() != 64) {
            throw new EvidenceFormatException(where + " field '" + field + "' must be 64 hex digits, has "
                    + text.length() + " characters");
        }
        try {
            return Hex.decode(text);
        } catch (IllegalArgumentException e) {
            throw new EvidenceFormatException(where + " field '" + field + "' is not hex: " + e.getMessage(), e);
        }
    }

    private static byte[] base64(JsonNode node, String field, String where) {
        try {
            return Base64.getDecoder().decode(text(node, field, where));
        } catch (IllegalArgumentException e) {
            throw new EvidenceFormatException(where + " field '" + field + "' is not base64: " + e.getMessage(), e);
        }
    }

    private static Instant time(JsonNode node, String field) {
        String text = text(node, field);
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new EvidenceFormatException("body field '" + field + "' is not an ISO-8601 instant: " + text, e);
        }
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** @return the JSON body as text (for tools and tests that inspect it) */
    public static String bodyText(byte[] object) {
        return new String(body(object), StandardCharsets.UTF_8);
    }
}
