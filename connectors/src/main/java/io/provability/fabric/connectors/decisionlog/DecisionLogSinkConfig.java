package io.provability.fabric.connectors.decisionlog;

import io.provability.fabric.connectors.JdbcSettings;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Configuration of {@link DecisionLogSinkConnector}: the shared JDBC keys ({@link JdbcSettings}) plus
 * how batches are written. Topic selection ({@code topics}), converters and {@code errors.*} are
 * Connect's own keys.
 */
public final class DecisionLogSinkConfig extends AbstractConfig {

    /** Rows per INSERT. */
    public static final String BATCH_SIZE_CONFIG = "batch.size";
    private static final String BATCH_SIZE_DOC = "Most rows per INSERT or COPY statement (and per transaction). The records "
            + "Connect hands to one put() call are written in batches of this size before put() returns.";
    /** Write mode. */
    public static final String WRITE_MODE_CONFIG = "write.mode";
    private static final String WRITE_MODE_DOC = "MULTI_ROW_INSERT: one INSERT ... VALUES (...),(...) ON CONFLICT DO "
            + "NOTHING per batch. COPY: COPY straight into decision_log (PostgreSQL's bulk path); a batch holding a "
            + "decision id already in the log (a redelivery) fails with a unique violation, is rolled back and is "
            + "written again as MULTI_ROW_INSERT, as are the rest of that put()'s batches. COPY is faster for new "
            + "rows; each replayed batch costs two attempts and one error line in the PostgreSQL server log.";
    /** Backoff before Connect redelivers a batch after a transient database failure. */
    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    private static final String RETRY_BACKOFF_MS_DOC = "How long Connect waits before redelivering a batch whose "
            + "write failed with a transient database error (connection lost, pool exhausted, deadlock).";

    /** The definition Connect validates against. */
    public static final ConfigDef CONFIG_DEF = JdbcSettings.define(new ConfigDef())
            .define(BATCH_SIZE_CONFIG, Type.INT, DecisionLogConfig.DEFAULT_BATCH_SIZE,
                    ConfigDef.Range.between(1, DecisionLogConfig.MAX_BATCH_SIZE), Importance.MEDIUM, BATCH_SIZE_DOC)
            .define(WRITE_MODE_CONFIG, Type.STRING, DecisionLogConfig.WriteMode.MULTI_ROW_INSERT.name(),
                    ConfigDef.ValidString.in(Arrays.stream(DecisionLogConfig.WriteMode.values()).map(Enum::name)
                            .toArray(String[]::new)), Importance.LOW, WRITE_MODE_DOC)
            .define(RETRY_BACKOFF_MS_CONFIG, Type.LONG, 1_000L, ConfigDef.Range.between(0, 600_000),
                    Importance.LOW, RETRY_BACKOFF_MS_DOC);

    /** @param props connector or task properties */
    public DecisionLogSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
    }

    /** @return the decision-log settings these properties describe */
    public DecisionLogConfig decisionLog() {
        return JdbcSettings.decisionLog(this, getInt(BATCH_SIZE_CONFIG),
                DecisionLogConfig.WriteMode.valueOf(getString(WRITE_MODE_CONFIG)));
    }

    /** @return backoff before a redelivery after a transient failure */
    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS_CONFIG);
    }
}
