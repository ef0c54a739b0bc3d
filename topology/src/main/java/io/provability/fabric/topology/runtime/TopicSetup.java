package io.provability.fabric.topology.runtime;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.ops.TopicApply;
import io.provability.fabric.topology.ops.TopicDeclarations;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the application's topics if they are missing; never alters or deletes existing ones. The
 * topics are those of the declaration file ({@link TopicDeclarations}, {@code
 * infra/topics.properties}), the same that {@code fabric topics apply} reads.
 */
public final class TopicSetup {
  private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

  private TopicSetup() {}

  /** The topics this application needs, with their settings. */
  public static List<NewTopic> topics(FabricConfig cfg) {
    return TopicDeclarations.of(cfg).stream().map(TopicDeclarations.Topic::newTopic).toList();
  }

  /**
   * Creates whichever of {@link #topics} do not exist yet and waits until they have leaders.
   * Returns the names created. Drift in existing topics is left to {@code fabric topics apply}.
   */
  public static List<String> ensure(Admin admin, FabricConfig cfg)
      throws ExecutionException, InterruptedException {
    TopicApply.Report report = TopicApply.apply(admin, TopicDeclarations.of(cfg));
    report
        .drift()
        .forEach(
            d -> LOG.warn("topic drift (run 'fabric topics apply' for the full report): {}", d));
    return report.created();
  }
}
