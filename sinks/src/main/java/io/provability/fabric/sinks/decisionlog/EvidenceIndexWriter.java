package io.provability.fabric.sinks.decisionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;

/**
 * Records stored evidence bundles beside the decision rows: one {@code evidence_bundle} row per root
 * and one {@code decision_evidence} row per decision, all in one transaction per call.
 *
 * <p>Idempotent: both inserts end in {@code ON CONFLICT DO NOTHING}, so recording the same bundle
 * again (a retry after the S3 write, a replay of the evidence topic) changes nothing. When a decision
 * shows up in two different bundles, the first recorded wins. Call it only after the object is
 * durable in S3, so that a row never points at an object that does not exist.
 */
public final class EvidenceIndexWriter {

    private static final String INSERT_BUNDLE = "INSERT INTO evidence_bundle "
            + "(root, object_key, session_id, tenant, window_start, window_end, leaf_count, created_at) VALUES ";
    private static final String BUNDLE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)";
    /** 1,000 rows × 8 parameters stays far below PostgreSQL's bind-parameter limit. */
    private static final int BUNDLE_ROWS_PER_STATEMENT = 1_000;
    private static final String INSERT_DECISION = "INSERT INTO decision_evidence "
            + "(decision_id, bundle_root, leaf_index, object_key) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT (decision_id) DO NOTHING";

    private final DataSource dataSource;

    EvidenceIndexWriter(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Records the bundles.
     *
     * @param entries bundles already stored in S3
     * @return how many bundles were new to the index
     * @throws DecisionLogException when the transaction fails (nothing of this call is kept)
     */
    public int record(List<BundleIndexEntry> entries) {
        if (entries.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int added = 0;
                for (int from = 0; from < entries.size(); from += BUNDLE_ROWS_PER_STATEMENT) {
                    // one multi-row statement: its update count is exactly the number of new bundles,
                    // whatever the JDBC URL says about batch rewriting
                    List<BundleIndexEntry> chunk =
                            entries.subList(from, Math.min(entries.size(), from + BUNDLE_ROWS_PER_STATEMENT));
                    String sql = INSERT_BUNDLE + String.join(", ", java.util.Collections.nCopies(chunk.size(), BUNDLE_ROW))
                            + " ON CONFLICT (root) DO NOTHING";
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        int p = 1;
                        for (BundleIndexEntry e : chunk) {
                            ps.setBytes(p++, e.root());
                            ps.setString(p++, e.objectKey());
                            ps.setString(p++, e.sessionId());
                            ps.setString(p++, e.tenant());
                            ps.setObject(p++, e.windowStart().atOffset(ZoneOffset.UTC));
                            ps.setObject(p++, e.windowEnd().atOffset(ZoneOffset.UTC));
                            ps.setInt(p++, e.leafCount());
                            ps.setObject(p++, e.createdAt().atOffset(ZoneOffset.UTC));
                        }
                        added += ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(INSERT_DECISION)) {
                    for (BundleIndexEntry e : entries) {
                        byte[] root = e.root();
                        for (BundleIndexEntry.LeafRef ref : e.decisions()) {
                            ps.setString(1, ref.decisionId());
                            ps.setBytes(2, root);
                            ps.setInt(3, ref.leafIndex());
                            ps.setString(4, e.objectKey());
                            ps.addBatch();
                        }
                    }
                    ps.executeBatch();
                }
                c.commit();
                return added;
            } catch (SQLException | RuntimeException e) {
                Transactions.rollbackAfter(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new DecisionLogException("recording " + entries.size() + " evidence bundles failed", e);
        }
    }
}
