package io.provability.fabric.tools.internal.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.runtime.DevelopmentSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development keys {@code fabric run} creates on embedded defaults are the ones the audit
 * reads.
 */
class DevelopmentSetupTest {
  @TempDir Path dir;

  @Test
  void theTrustedEvidenceKeysFileHoldsTheLogKeysVerifierKeyInTheFormTheAuditReads()
      throws Exception {
    FabricConfig cfg = FabricConfig.defaults(Map.of(FabricConfig.WORK_DIR_CONFIG, dir.toString()));
    // a file left by an earlier version, in the key ring form (id=key) the audit cannot read
    Files.createDirectories(cfg.auditEvidenceKeysFile().getParent());
    Files.writeString(
        cfg.auditEvidenceKeysFile(),
        "# trusted Ed25519 public keys: key-id=base64\n"
            + "evidence-1=IfnRkz9K66Gpr5MD0MeL+Pl96xQtiOGhFfJjOwjWYAQ=\n");

    DevelopmentSetup.prepare(cfg);
    DevelopmentSetup.prepare(cfg); // a second start adds nothing

    List<NoteVerifier> trusted = AuditConnections.trustedLogKeys(cfg, null);
    NoteVerifier expected = AuditConnections.verifierOf(cfg, cfg.evidenceKeyFile());
    assertThat(trusted).extracting(NoteVerifier::vkey).containsExactly(expected.vkey());
    assertThat(Files.readString(cfg.auditEvidenceKeysFile())).doesNotContain("evidence-1=");
  }
}
