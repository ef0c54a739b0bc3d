package io.provability.fabric.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.topology.http.RequestMapper;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The HTTP transport sends the same requests as the Kafka transport: every generated event, turned
 * into the front door's JSON and mapped back by the front door's own {@link RequestMapper}, is the
 * event the generator built (the front door stamps {@code requested_at} itself, so only that
 * differs).
 */
class FrontDoorBodiesTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void everyGeneratedRequestSurvivesTheFrontDoorsMapping() {
    Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
    LoadProfile profile =
        new LoadProfile(
            1_000,
            Duration.ofSeconds(1),
            200,
            4,
            5,
            LoadProfile.Mix.parse("plan=50,retrieval=30,egress=20"),
            0.6,
            1.0,
            3L);
    LoadTraffic traffic =
        new LoadTraffic("b-r-", "b-", profile, issuer, Clock.fixed(NOW, ZoneOffset.UTC));
    EventCodec codec = EventCodec.standard();
    FrontDoorBodies bodies = new FrontDoorBodies();
    Instant stamped = NOW.plusSeconds(1);
    Set<String> paths = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      SpecificRecord sent = codec.decode(traffic.next().bytes());
      FrontDoorBodies.Body body = bodies.of(sent);
      paths.add(body.path());
      SpecificRecord mapped =
          switch (body.path()) {
            case "/v1/plans" -> RequestMapper.plan(body.json(), stamped).event();
            case "/v1/retrievals" -> RequestMapper.retrieval(body.json(), stamped).event();
            case "/v1/egress" -> RequestMapper.egress(body.json(), stamped).event();
            default -> throw new AssertionError(body.path());
          };
      assertThat(mapped)
          .as("request %d via %s", i, body.path())
          .isEqualTo(restamped(sent, stamped));
    }
    assertThat(paths).containsExactlyInAnyOrder("/v1/plans", "/v1/retrievals", "/v1/egress");
  }

  private static SpecificRecord restamped(SpecificRecord event, Instant at) {
    if (event instanceof PlanRequest p) {
      return PlanRequest.newBuilder(p).setRequestedAt(at).build();
    } else if (event instanceof RetrievalRequest r) {
      return RetrievalRequest.newBuilder(r).setRequestedAt(at).build();
    }
    return EgressRequest.newBuilder((EgressRequest) event).setRequestedAt(at).build();
  }
}
