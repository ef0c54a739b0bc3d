package io.provability.fabric.topology.runtime;

import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;

/**
 * Runs the decision path — decode, decide (kernel, retrieval gateway, egress firewall), encode — on
 * synthetic traffic before the instance starts its topology, so that the JIT has compiled it before
 * the first real request arrives. A cold instance otherwise falls behind for its first seconds
 * under load while the JIT works.
 *
 * <p>The requests are the load generator's mix (allowed and denied plans, retrievals, egress
 * texts), signed by a key made for the warm-up and trusted only by the private deciders built here:
 * no cache, store, topic or Redis key of the instance is touched.
 */
public final class DecisionWarmUp {
  /**
   * What a warm-up did.
   *
   * @param requests requests decided
   * @param allowed how many of them were allowed (the allow paths are the longest; a warm-up that
   *     allowed nothing warmed only the early exits)
   * @param took how long it took
   */
  public record Result(long requests, long allowed, Duration took) {}

  private DecisionWarmUp() {}

  /**
   * Decides synthetic requests until {@code maxRequests} are done or {@code budget} is spent.
   *
   * @param settings and {@code keys}: the instance's, so the deciders are configured as the
   *     topology's
   */
  public static Result run(
      FabricTopology.Settings settings,
      FabricTopology.Keys keys,
      long maxRequests,
      Duration budget,
      Clock clock) {
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("warm-up-issuer", new SecureRandom());
    FabricTopology.Keys warmKeys =
        new FabricTopology.Keys(
            keys.trustedIssuers().with(issuer.keyId(), issuer.publicKey()),
            keys.trustedReceiptSigners(),
            keys.receiptSigner(),
            keys.certificateSigner());
    RequestDecider decider = FabricTopology.decider(settings, warmKeys);
    LoadProfile profile =
        new LoadProfile(
            1_000,
            Duration.ofSeconds(1),
            1_000,
            4,
            20,
            LoadProfile.Mix.parse("plan=60,retrieval=25,egress=15"),
            0.7,
            0.8,
            7L);
    LoadTraffic traffic = new LoadTraffic("warm-up-", "warm-up-", profile, issuer, clock);
    EventCodec codec = EventCodec.standard();
    PolicyView policy = PolicyView.empty();
    long started = System.nanoTime();
    long deadline = started + budget.toNanos();
    long done = 0;
    long allowed = 0;
    while (done < maxRequests && System.nanoTime() < deadline) {
      SpecificRecord request = codec.decode(traffic.next().bytes());
      byte[] canonical = CanonicalEncoding.encode(request);
      var decided =
          decider.decide(request, canonical, policy, session -> PrivacySpend.ZERO, clock.instant());
      codec.encode(decided.decision());
      if (decided.decision().getVerdict() == Verdict.ALLOW) {
        allowed++;
      }
      done++;
    }
    return new Result(done, allowed, Duration.ofNanos(System.nanoTime() - started));
  }
}
