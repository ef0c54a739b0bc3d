package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.cache.HotTierSettings;
import io.provability.fabric.processors.crypto.Ed25519;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The scan cache by content hash gives exactly the scanner's findings, and the firewall the same
 * outcome.
 */
class EgressScanCacheTest {
  @Test
  void cachedScansAndVerdictsEqualFreshOnesOverTheCorpus() throws Exception {
    List<EgressCorpus.Case> cases = EgressCorpus.load();
    HotTier tier = HotTier.inProcess(HotTierSettings.DEFAULTS, CacheMetrics.simple());
    EgressScanner scanner = new EgressScanner();
    Function<String, List<Finding>> cached = tier.egressScanner(scanner::scan);
    Ed25519.SigningKey key = Ed25519.SigningKey.fromSeed("egress-1", new byte[32]);
    EgressFirewall fresh = new EgressFirewall(EgressPolicies.defaults(), key, () -> 0L);
    EgressFirewall viaCache = new EgressFirewall(EgressPolicies.defaults(), key, () -> 0L, cached);
    Instant now = Instant.parse("2026-12-01T12:00:00Z");
    for (int round = 0; round < 2; round++) {
      for (EgressCorpus.Case c : cases) {
        assertThat(cached.apply(c.text())).as(c.id()).isEqualTo(scanner.scan(c.text()));
        EgressRequest r =
            EgressRequest.newBuilder()
                .setRequestId("r-" + c.id())
                .setSessionId("s")
                .setRequestedAt(now)
                .setTenant("acme")
                .setSubjectId("agent")
                .setText(c.text())
                .setPolicyId("default")
                .build();
        EgressOutcome a = fresh.check(r, now);
        EgressOutcome b = viaCache.check(r, now);
        assertThat(b.verdict()).as(c.id()).isEqualTo(a.verdict());
        assertThat(b.reasons()).as(c.id()).isEqualTo(a.reasons());
        assertThat(b.redactedText()).as(c.id()).isEqualTo(a.redactedText());
      }
    }
    long distinct = cases.stream().map(EgressCorpus.Case::text).distinct().count();
    CacheMetrics m = tier.metrics();
    assertThat(m.lookups(CacheName.EGRESS_VERDICTS, CacheMetrics.Outcome.MISS)).isEqualTo(distinct);
    assertThat(m.lookups(CacheName.EGRESS_VERDICTS, CacheMetrics.Outcome.HIT_EXACT))
        .isEqualTo(4L * cases.size() - distinct);
  }
}
