package io.provability.fabric.tools.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.JwsTokens;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fabric token issue} mints a signed capability token; {@code fabric keys generate} writes a
 * signing key file and the matching key-ring line. The private key is read from a key file ({@link
 * KeyFiles}) and never printed or logged: only its key id and public key appear.
 */
@Command(name = "token", description = "Capability tokens.", subcommands = TokenCommand.Issue.class)
final class TokenCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code fabric token issue}. */
  @Command(
      name = "issue",
      mixinStandardHelpOptions = true,
      description =
          "Mint an Ed25519-signed capability token; prints it as JSON and/or as base64 of its Avro "
              + "single-object encoding, or as a JWS (EdDSA) with --format jws.")
  static final class Issue implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--key",
        required = true,
        description = "Issuer key file (key-id=base64 seed, as written by 'fabric keys generate').")
    Path keyFile;

    @Option(names = "--tenant", required = true, description = "Tenant the token belongs to.")
    String tenant;

    @Option(
        names = "--subject",
        required = true,
        description = "Subject (agent) id the token is issued to.")
    String subject;

    @Option(
        names = "--cap",
        required = true,
        description =
            "Capability name:EFFECT:glob[,glob], repeatable; "
                + "EFFECT is READ, WRITE, SEND or EXECUTE.")
    List<String> capabilities = new ArrayList<>();

    @Option(
        names = "--valid-for",
        defaultValue = "PT1H",
        description = "Validity from now (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration validFor;

    @Option(
        names = "--not-before",
        description = "Start of validity (ISO-8601 instant; default now).")
    Instant notBefore;

    @Option(names = "--token-id", description = "Token id (default: a random UUID).")
    String tokenId;

    @Option(
        names = "--issuer",
        defaultValue = "fabric-cli",
        description = "Issuer name recorded in the token (default ${DEFAULT-VALUE}).")
    String issuer;

    @Option(
        names = "--format",
        defaultValue = "json",
        description =
            "json, avro-base64, both, or jws: a JWT signed "
                + "with EdDSA, for the token_jws field (claims in docs/schemas.md; times in whole seconds) "
                + "(default ${DEFAULT-VALUE}).")
    String format;

    @Option(
        names = "--out",
        description =
            "Also write the Avro single-object bytes (the JWS with --format jws) to this file.")
    Path out;

    @Override
    public Integer call() throws IOException {
      if (validFor.isNegative() || validFor.isZero()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--valid-for must be positive");
      }
      Ed25519.SigningKey key = KeyFiles.read(keyFile);
      boolean jws = format.equalsIgnoreCase("jws");
      // JWT times are whole seconds (NumericDate)
      Instant now = Instant.now().truncatedTo(jws ? ChronoUnit.SECONDS : ChronoUnit.MILLIS);
      if (jws && notBefore != null) {
        notBefore = notBefore.truncatedTo(ChronoUnit.SECONDS);
      }
      if (jws && validFor.toMillis() % 1000 != 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--valid-for must be whole seconds for a JWS");
      }
      Instant from = notBefore == null ? now : notBefore;
      List<Capability> caps = new ArrayList<>();
      for (String c : capabilities) {
        try {
          caps.add(parseCapability(c));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--cap: " + e.getMessage());
        }
      }
      CapabilityToken token =
          TokenSigning.sign(
              CapabilityToken.newBuilder()
                  .setTokenId(tokenId == null ? UUID.randomUUID().toString() : tokenId)
                  .setTenant(tenant)
                  .setSubjectId(subject)
                  .setCapabilities(caps)
                  .setIssuedAt(now)
                  .setNotBefore(from)
                  .setExpiresAt(from.plus(validFor))
                  .setIssuer(issuer)
                  .setKeyId(key.keyId())
                  .setSignature(ByteBuffer.allocate(0))
                  .build(),
              key);
      byte[] avro = Bytes.toArray(token.toByteBuffer());
      PrintWriter w = spec.commandLine().getOut();
      switch (format.toLowerCase(Locale.ROOT)) {
        case "json" -> w.println(json(token));
        case "avro-base64" -> w.println(Base64.getEncoder().encodeToString(avro));
        case "jws" -> w.println(JwsTokens.sign(token, key));
        case "both" -> {
          w.println(json(token));
          w.println(Base64.getEncoder().encodeToString(avro));
        }
        default ->
            throw new CommandLine.ParameterException(
                spec.commandLine(),
                "--format must be json, avro-base64, both or jws, was '" + format + "'");
      }
      w.flush();
      if (out != null) {
        Files.write(
            out, jws ? JwsTokens.sign(token, key).getBytes(StandardCharsets.US_ASCII) : avro);
      }
      return 0;
    }

    /** The token as JSON: times in RFC 3339, the signature in base64 (never raw bytes). */
    static String json(CapabilityToken token) {
      JsonMapper mapper = JsonMapper.builder().build();
      ObjectNode o = mapper.createObjectNode();
      o.put("token_id", token.getTokenId());
      o.put("tenant", token.getTenant());
      o.put("subject_id", token.getSubjectId());
      ArrayNode caps = o.putArray("capabilities");
      for (Capability c : token.getCapabilities()) {
        ObjectNode n = caps.addObject();
        n.put("name", c.getName());
        n.put("effect", c.getEffect().name());
        ArrayNode resources = n.putArray("resources");
        c.getResources().forEach(resources::add);
      }
      o.put("issued_at", token.getIssuedAt().toString());
      o.put("not_before", token.getNotBefore().toString());
      o.put("expires_at", token.getExpiresAt().toString());
      o.put("issuer", token.getIssuer());
      o.put("key_id", token.getKeyId());
      o.put(
          "signature",
          Base64.getEncoder().encodeToString(Bytes.toArray(token.getSignature().duplicate())));
      return o.toString(); // one line: with --format both the base64 form is the second line
    }

    /** {@code name:EFFECT:glob[,glob]}. */
    static Capability parseCapability(String spec) {
      String[] parts = spec.split(":", 3);
      if (parts.length != 3 || parts[0].isBlank() || parts[2].isBlank()) {
        throw new IllegalArgumentException(
            "capability '" + spec + "' is not name:EFFECT:glob[,glob]");
      }
      EffectKind effect;
      try {
        effect = EffectKind.valueOf(parts[1].toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "capability '" + spec + "': effect must be READ, WRITE, SEND or EXECUTE", e);
      }
      if (effect == EffectKind.UNKNOWN) {
        throw new IllegalArgumentException(
            "capability '" + spec + "': UNKNOWN never matches anything");
      }
      return Capability.newBuilder()
          .setName(parts[0])
          .setEffect(effect)
          .setResources(List.of(parts[2].split(",")))
          .build();
    }
  }

  /** {@code fabric keys generate}: a new signing key file and the key-ring line that trusts it. */
  @Command(name = "keys", description = "Signing keys.", subcommands = Keys.Generate.class)
  static final class Keys implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code fabric keys generate}. */
    @Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description =
            "Write a new Ed25519 signing key file (owner-only) and append its public key to a key ring file.")
    static final class Generate implements Callable<Integer> {
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Option(
          names = "--key-id",
          required = true,
          description = "Key id recorded in tokens or receipts it signs.")
      String keyId;

      @Option(
          names = "--out",
          required = true,
          description = "Signing key file to create (refuses to overwrite).")
      Path out;

      @Option(
          names = "--trust-in",
          description =
              "Key ring file to add the public key to (created if missing), "
                  + "e.g. <work dir>/keys/trusted-issuers.keys.")
      Path keyRing;

      @Option(
          names = "--format",
          defaultValue = "raw",
          description =
              "What to print: raw (key-id=base64 public key) "
                  + "or note (the signed-note verifier keys: for checkpoints signed with this key, and for its "
                  + "cosignatures as a witness; --key-id is then the key name, e.g. the log origin or witness name).")
      String format;

      @Override
      public Integer call() throws IOException {
        if (Files.exists(out)) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), out + " exists; refusing to overwrite a key");
        }
        if (!format.equals("raw") && !format.equals("note")) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--format must be raw or note, was " + format);
        }
        if (format.equals("note")) {
          try {
            NoteSigner.fromSeed(keyId, new byte[32]);
          } catch (TlogException e) {
            throw new CommandLine.ParameterException(
                spec.commandLine(), "--key-id: " + e.getMessage());
          }
        }
        Ed25519.SigningKey key = Ed25519.SigningKey.generate(keyId, new SecureRandom());
        KeyFiles.write(out, key);
        if (keyRing != null) {
          KeyRing ring = Files.exists(keyRing) ? KeyRing.read(keyRing) : KeyRing.empty();
          if (keyRing.toAbsolutePath().getParent() != null) {
            Files.createDirectories(keyRing.toAbsolutePath().getParent());
          }
          ring.with(keyId, key.publicKey()).write(keyRing);
        }
        PrintWriter w = spec.commandLine().getOut();
        if (format.equals("note")) {
          NoteSigner signer = NoteSigner.fromSeed(keyId, key.seed());
          w.println("vkey " + signer.verifier().vkey());
          w.println("cosignature vkey " + signer.asCosigner(Clock.systemUTC()).verifier().vkey());
          w.flush();
          return 0;
        }
        w.println(
            keyId
                + "="
                + new String(
                    Base64.getEncoder().encode(key.publicKey()), StandardCharsets.US_ASCII));
        w.flush();
        return 0;
      }
    }
  }
}
