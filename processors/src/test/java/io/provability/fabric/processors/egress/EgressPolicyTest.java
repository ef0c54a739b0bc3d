package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Policy templates, the file format, per-tenant selection and the policy hash. */
class EgressPolicyTest {
  private static EgressPolicies example() throws IOException, URISyntaxException {
    return EgressPolicies.load(
        Path.of(EgressPolicyTest.class.getResource("/egress/policies-example.properties").toURI()));
  }

  @Test
  void defaultsHaveDefaultAndStrictTemplates() {
    EgressPolicies p = EgressPolicies.defaults();
    EgressPolicy def = p.policy("default").orElseThrow();
    EgressPolicy strict = p.policy("strict").orElseThrow();
    assertThat(def.maxTextBytes()).isEqualTo(256 * 1024);
    assertThat(def.rule(FindingType.EMAIL))
        .isEqualTo(new EgressPolicy.Rule(PolicyAction.REDACT, 0.8));
    assertThat(def.rule(FindingType.CLOUD_KEY).action()).isEqualTo(PolicyAction.BLOCK);
    assertThat(strict.rule(FindingType.PAYMENT_CARD).action()).isEqualTo(PolicyAction.BLOCK);
    assertThat(def.hash()).isNotEqualTo(strict.hash()).hasSize(64);
  }

  @Test
  void selectionPrefersPolicyIdThenTenantThenDefault() throws Exception {
    EgressPolicies p = example();
    assertThat(p.select("other", null).orElseThrow().name()).isEqualTo("relaxed");
    assertThat(p.select("acme", null).orElseThrow().name()).isEqualTo("lockdown");
    assertThat(p.select("acme", "relaxed").orElseThrow().name()).isEqualTo("relaxed");
    assertThat(p.select("acme", "nope")).isEmpty();
    assertThat(
            EgressPolicies.defaults()
                .withTenant("bank", "strict")
                .select("bank", null)
                .orElseThrow()
                .name())
        .isEqualTo("strict");
  }

  @Test
  void unlistedTypesBlockAtAnyConfidence() throws Exception {
    EgressPolicy lockdown = example().policy("lockdown").orElseThrow();
    for (FindingType t : FindingType.values()) {
      assertThat(lockdown.rule(t)).isEqualTo(EgressPolicy.UNLISTED);
    }
    assertThat(example().policy("relaxed").orElseThrow().rule(FindingType.EMAIL))
        .isEqualTo(new EgressPolicy.Rule(PolicyAction.ALLOW, 0.0));
  }

  @Test
  void policyHashCoversCanonicalTextNotLayout() throws Exception {
    String a = "default_policy=p\npolicy.p.EMAIL=REDACT@0.8\npolicy.p.PHONE=BLOCK\n";
    String b =
        "# reordered, spaced\npolicy.p.PHONE = BLOCK@0.0\n\npolicy.p.EMAIL=REDACT@0.80\ndefault_policy=p\n";
    EgressPolicy pa = EgressPolicies.parse(a).policy("p").orElseThrow();
    EgressPolicy pb = EgressPolicies.parse(b).policy("p").orElseThrow();
    assertThat(pa.hash()).isEqualTo(pb.hash());
    assertThat(pa.canonicalText())
        .startsWith("policy=p\nmax_text_bytes=262144\nPEM_PRIVATE_KEY=BLOCK@0.00\n")
        .contains("EMAIL=REDACT@0.80\n");
    EgressPolicy changed = EgressPolicies.parse(a.replace("0.8", "0.7")).policy("p").orElseThrow();
    assertThat(changed.hash()).isNotEqualTo(pa.hash());
  }

  @Test
  void invalidFilesAreRejectedNamingTheKey() {
    assertThatThrownBy(() -> EgressPolicies.parse("default_policy=p\npolicy.p.EMAILS=BLOCK\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("policy.p.EMAILS");
    assertThatThrownBy(() -> EgressPolicies.parse("default_policy=p\npolicy.p.EMAIL=SHRUG\n"))
        .hasMessageContaining("policy.p.EMAIL");
    assertThatThrownBy(() -> EgressPolicies.parse("default_policy=p\npolicy.p.EMAIL=BLOCK@1.5\n"))
        .hasMessageContaining("policy.p.EMAIL");
    assertThatThrownBy(() -> EgressPolicies.parse("default_policy=p\npolicy.p.max_text_bytes=-1\n"))
        .hasMessageContaining("max_text_bytes");
    assertThatThrownBy(() -> EgressPolicies.parse("default_policy=q\npolicy.p.EMAIL=BLOCK\n"))
        .hasMessageContaining("default_policy");
    assertThatThrownBy(
            () -> EgressPolicies.parse("default_policy=p\npolicy.p.EMAIL=BLOCK\ntenant.x=q\n"))
        .hasMessageContaining("tenant.x");
    assertThatThrownBy(
            () -> EgressPolicies.parse("default_policy=p\npolicy.p.EMAIL=BLOCK\ncolour=red\n"))
        .hasMessageContaining("colour");
  }
}
