package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hot tier's token cache counts its lookups and shares verifications with a peer under the same
 * ring.
 */
class HotTierTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

  @Test
  void tokensVerifiedOnOneInstanceAreHitsOnTheOtherAndLookupsAreCounted() {
    SoundnessWorkload.LoopbackShared sa = new SoundnessWorkload.LoopbackShared();
    SoundnessWorkload.LoopbackShared sb = new SoundnessWorkload.LoopbackShared();
    sa.peer = sb;
    sb.peer = sa;
    CacheMetrics ma = CacheMetrics.simple();
    CacheMetrics mb = CacheMetrics.simple();
    HotTier a = new HotTier(HotTierSettings.DEFAULTS, sa, ma, Map.of());
    HotTier b = new HotTier(HotTierSettings.DEFAULTS, sb, mb, Map.of());
    VerifiedTokenCache ta = a.tokenCache(100, SoundnessWorkload.ISSUERS);
    VerifiedTokenCache tb = b.tokenCache(100, SoundnessWorkload.ISSUERS);
    CapabilityToken token = SoundnessWorkload.token(new Random(1), 0, NOW);
    Instant at = token.getNotBefore().plusSeconds(1);

    assertThat(ta.signatureVerifies(token, SoundnessWorkload.ISSUERS, at)).isTrue();
    assertThat(ma.lookups(CacheName.TOKENS, CacheMetrics.Outcome.MISS)).isEqualTo(1);
    // B never verified it: the shared verification makes it a hit there
    assertThat(tb.signatureVerifies(token, SoundnessWorkload.ISSUERS, at)).isTrue();
    assertThat(mb.lookups(CacheName.TOKENS, CacheMetrics.Outcome.HIT_EXACT)).isEqualTo(1);
    assertThat(mb.lookups(CacheName.TOKENS, CacheMetrics.Outcome.MISS)).isZero();
    // never past the token's expiry, shared or not
    assertThat(tb.signatureVerifies(token, SoundnessWorkload.ISSUERS, token.getExpiresAt()))
        .isTrue();
    assertThat(mb.lookups(CacheName.TOKENS, CacheMetrics.Outcome.MISS)).isEqualTo(1);

    // a forged token (same fields, another key's signature) is never a hit
    CapabilityToken forged = SoundnessWorkload.token(new Random(1), 10, NOW);
    assertThat(tb.signatureVerifies(forged, SoundnessWorkload.ISSUERS, at)).isFalse();

    a.policyListener().changed(PolicyStateKeys.revocation(token.getTokenId()));
    assertThat(ma.policyChanges("revocation")).isEqualTo(1);
  }
}
