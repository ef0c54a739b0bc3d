package io.provability.fabric.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.JwsTokens;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TokenCommandTest {
  @TempDir Path dir;

  private String run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = FabricCli.commandLine();
    cli.setOut(new PrintWriter(out));
    int code = cli.execute(args);
    assertThat(code).as(String.join(" ", args)).isZero();
    return out.toString();
  }

  @Test
  void issuesATokenThatVerifiesUnderTheGeneratedKeyRingAndNeverPrintsTheSeed() throws Exception {
    Path key = dir.resolve("issuer.key");
    Path ring = dir.resolve("trusted-issuers.keys");
    run(
        "keys",
        "generate",
        "--key-id",
        "issuer-9",
        "--out",
        key.toString(),
        "--trust-in",
        ring.toString());

    Path bytes = dir.resolve("token.avro");
    String printed =
        run(
            "token",
            "issue",
            "--key",
            key.toString(),
            "--tenant",
            "acme",
            "--subject",
            "agent-7",
            "--cap",
            "read_docs:READ:acme/docs/**,acme/wiki/*",
            "--cap",
            "send_email:send:acme/mail/*",
            "--valid-for",
            "PT10M",
            "--token-id",
            "tok-cli",
            "--format",
            "both",
            "--out",
            bytes.toString());

    String[] lines = printed.strip().split("\n");
    CapabilityToken fromBase64 =
        CapabilityToken.fromByteBuffer(
            ByteBuffer.wrap(Base64.getDecoder().decode(lines[1].strip())));
    CapabilityToken fromFile =
        CapabilityToken.fromByteBuffer(ByteBuffer.wrap(Files.readAllBytes(bytes)));
    assertThat(fromFile).isEqualTo(fromBase64);
    assertThat(fromBase64.getTokenId()).isEqualTo("tok-cli");
    assertThat(fromBase64.getCapabilities())
        .extracting(c -> c.getName(), c -> c.getEffect())
        .containsExactly(
            Tuple.tuple("read_docs", EffectKind.READ), Tuple.tuple("send_email", EffectKind.SEND));
    assertThat(fromBase64.getCapabilities().get(0).getResources())
        .containsExactly("acme/docs/**", "acme/wiki/*");
    assertThat(Duration.between(fromBase64.getNotBefore(), fromBase64.getExpiresAt()))
        .hasMinutes(10);
    assertThat(
            KeyRing.read(ring)
                .verify(
                    fromBase64.getKeyId(),
                    TokenSigning.signedBytes(fromBase64),
                    TokenSigning.signatureOf(fromBase64)))
        .isTrue();

    // the JSON form carries the signature as base64, not as raw bytes
    assertThat(lines[0])
        .contains(
            "\"signature\":\""
                + Base64.getEncoder().encodeToString(TokenSigning.signatureOf(fromBase64))
                + "\"")
        .contains("\"expires_at\":\"" + fromBase64.getExpiresAt() + "\"");

    String seed = Base64.getEncoder().encodeToString(KeyFiles.read(key).seed());
    assertThat(printed).doesNotContain(seed);
  }

  @Test
  void rejectsAMalformedCapability() {
    CommandLine cli = FabricCli.commandLine();
    cli.setErr(new PrintWriter(new StringWriter()));
    Path key = dir.resolve("k.key");
    run("keys", "generate", "--key-id", "k", "--out", key.toString());
    int code =
        cli.execute(
            "token",
            "issue",
            "--key",
            key.toString(),
            "--tenant",
            "acme",
            "--subject",
            "a",
            "--cap",
            "read_docs:FLY:acme/**");
    assertThat(code).isNotZero();
  }

  @Test
  void issuesAJwsThatTheKernelAcceptsUnderTheSameKeyRing() throws Exception {
    Path key = dir.resolve("issuer.key");
    Path ring = dir.resolve("trusted-issuers.keys");
    run(
        "keys",
        "generate",
        "--key-id",
        "issuer-jws",
        "--out",
        key.toString(),
        "--trust-in",
        ring.toString());

    String jws =
        run(
                "token",
                "issue",
                "--key",
                key.toString(),
                "--tenant",
                "acme",
                "--subject",
                "agent-7",
                "--cap",
                "read_docs:READ:acme/docs/**",
                "--valid-for",
                "PT10M",
                "--token-id",
                "tok-jws",
                "--format",
                "jws")
            .strip();

    assertThat(jws.split("\\.")).hasSize(3);
    String header =
        new String(Base64.getUrlDecoder().decode(jws.split("\\.")[0]), StandardCharsets.UTF_8);
    assertThat(header).contains("\"alg\":\"EdDSA\"").contains("\"kid\":\"issuer-jws\"");
    CapabilityToken token = JwsTokens.toToken(jws);
    assertThat(token.getTokenId()).isEqualTo("tok-jws");
    assertThat(token.getCapabilities().get(0).getResources()).containsExactly("acme/docs/**");
    assertThat(token.getExpiresAt().toEpochMilli() % 1000).isZero();
    assertThat(TokenSigning.verify(token, KeyRing.read(ring))).isTrue();
  }
}
