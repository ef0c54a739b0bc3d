package io.provability.fabric.sinks.audit;

import io.provability.fabric.sinks.decisionlog.DecisionLogException;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.BundleRecord;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.DecisionEvidence;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import io.provability.fabric.sinks.evidence.BundleObject;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The audit's view of PostgreSQL (decision log and evidence index, read-only queries) and S3 (the
 * evidence bucket). Lists of ids are passed as one array parameter, so a query costs one round trip
 * however many ids it names.
 */
public final class StoreAuditSource implements AuditSource {

    private static final String DECISIONS = "SELECT " + DecisionLogReader.DECISION_COLUMNS
            + " FROM decision_log d JOIN pg_class c ON c.oid = d.tableoid WHERE ";
    private static final String BUNDLES = "SELECT " + DecisionLogReader.BUNDLE_COLUMNS + " FROM evidence_bundle WHERE ";
    private static final String ROOTS_PARAM = "(SELECT decode(x, 'hex') FROM unnest(?::text[]) AS x)";

    private final DataSource dataSource;
    private final EvidenceStore store;

    /**
     * @param dataSource the decision-log database
     * @param store      the evidence bucket
     */
    public StoreAuditSource(DataSource dataSource, EvidenceStore store) {
        this.dataSource = dataSource;
        this.store = store;
    }

    @Override
    public List<LoggedDecision> decisionsInRange(Instant from, Instant to) {
        return decisions("d.decided_at >= ? AND d.decided_at < ?", ps -> {
            ps.setObject(1, from.atOffset(ZoneOffset.UTC));
            ps.setObject(2, to.atOffset(ZoneOffset.UTC));
        });
    }

    @Override
    public List<LoggedDecision> decisionsOfSession(String sessionId) {
        return decisions("d.session_id = ?", ps -> ps.setString(1, sessionId));
    }

    @Override
    public List<LoggedDecision> decisionsByIds(Collection<String> decisionIds) {
        if (decisionIds.isEmpty()) {
            return List.of();
        }
        return decisions("d.decision_id = ANY(?)", ps -> ps.setArray(1, textArray(ps, decisionIds)));
    }

    @Override
    public List<BundleRecord> bundlesInRange(Instant from, Instant to) {
        return bundles("window_start < ? AND window_end >= ?", ps -> {
            ps.setObject(1, to.atOffset(ZoneOffset.UTC));
            ps.setObject(2, from.atOffset(ZoneOffset.UTC));
        });
    }

    @Override
    public List<BundleRecord> bundlesOfSession(String sessionId) {
        return bundles("session_id = ?", ps -> ps.setString(1, sessionId));
    }

    @Override
    public List<BundleRecord> bundlesByRoots(Collection<String> rootsHex) {
        if (rootsHex.isEmpty()) {
            return List.of();
        }
        return bundles("root IN " + ROOTS_PARAM, ps -> ps.setArray(1, textArray(ps, rootsHex)));
    }

    @Override
    public List<DecisionEvidence> evidenceOfDecisions(Collection<String> decisionIds) {
        if (decisionIds.isEmpty()) {
            return List.of();
        }
        return evidence("decision_id = ANY(?)", ps -> ps.setArray(1, textArray(ps, decisionIds)));
    }

    @Override
    public List<DecisionEvidence> evidenceOfBundles(Collection<String> rootsHex) {
        if (rootsHex.isEmpty()) {
            return List.of();
        }
        return evidence("bundle_root IN " + ROOTS_PARAM, ps -> ps.setArray(1, textArray(ps, rootsHex)));
    }

    @Override
    public List<String> bundleKeys(LocalDate day) {
        return store.list(day).stream().map(BundleObject::key).toList();
    }

    @Override
    public Optional<byte[]> readBundle(String key) {
        try {
            return Optional.of(store.readRaw(key));
        } catch (EvidenceStoreException e) {
            if (e.getCause() instanceof NoSuchKeyException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<LoggedDecision> decisions(String where, Binder binder) {
        List<LoggedDecision> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(DECISIONS + where + " ORDER BY d.decided_at, d.decision_id")) {
            binder.bind(ps);
            ps.setFetchSize(5_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(DecisionLogReader.decisionRow(rs));
                }
            }
        } catch (SQLException e) {
            throw new DecisionLogException("audit: reading decision rows where " + where + " failed", e);
        }
        return out;
    }

    private List<BundleRecord> bundles(String where, Binder binder) {
        List<BundleRecord> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(BUNDLES + where + " ORDER BY window_start, root")) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(DecisionLogReader.bundleRow(rs));
                }
            }
        } catch (SQLException e) {
            throw new DecisionLogException("audit: reading evidence_bundle where " + where + " failed", e);
        }
        return out;
    }

    private List<DecisionEvidence> evidence(String where, Binder binder) {
        List<DecisionEvidence> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT decision_id, bundle_root, leaf_index, object_key "
                     + "FROM decision_evidence WHERE " + where)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DecisionEvidence(rs.getString(1), rs.getBytes(2), rs.getInt(3), rs.getString(4)));
                }
            }
        } catch (SQLException e) {
            throw new DecisionLogException("audit: reading decision_evidence where " + where + " failed", e);
        }
        return out;
    }

    private static Array textArray(PreparedStatement ps, Collection<String> values) throws SQLException {
        return ps.getConnection().createArrayOf("text", values.toArray(new String[0]));
    }
}
