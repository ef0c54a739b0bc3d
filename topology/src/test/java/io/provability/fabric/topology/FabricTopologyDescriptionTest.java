package io.provability.fabric.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.crypto.KeyRing;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the topology's node names and edges: state stores, their changelog topics and a running
 * application's assignment depend on them, so a change here must be deliberate.
 */
class FabricTopologyDescriptionTest {
  @Test
  void nodesAndEdgesStayAsDeployed() {
    FabricTopology.Topics topics =
        new FabricTopology.Topics("requests", "decisions", "evidence", "dlq", "policy");
    String description =
        FabricTopology.build(
                new FabricTopology.Settings(topics, Duration.ofHours(1)),
                new FabricTopology.Keys(KeyRing.of(Map.of())))
            .describe()
            .toString();
    assertThat(description.strip())
        .isEqualTo(
            """
        Topologies:
           Sub-topology: 0 for global store (will not generate tasks)
            Source: policy-state-source (topics: [policy])
              --> policy-state-updater
            Processor: policy-state-updater (stores: [policy-state])
              --> none
              <-- policy-state-source
          Sub-topology: 1
            Source: requests (topics: [requests])
              --> intake
            Processor: intake (stores: [])
              --> observe-dead-letters, decide
              <-- requests
            Processor: decide (stores: [privacy-budgets, decided-requests])
              --> observe-dead-letters, observe-decisions, evidence-sink
              <-- intake
            Processor: observe-dead-letters (stores: [])
              --> dead-letter-sink
              <-- intake, decide
            Processor: observe-decisions (stores: [])
              --> decisions-sink
              <-- decide
            Sink: dead-letter-sink (topic: dlq)
              <-- observe-dead-letters
            Sink: decisions-sink (topic: decisions)
              <-- observe-decisions
            Sink: evidence-sink (topic: evidence)
              <-- decide
        """
                .strip());
  }
}
