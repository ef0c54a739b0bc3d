package io.provability.fabric.topology.audit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.sinks.audit.SignatureCheck;
import io.provability.fabric.sinks.audit.StoreAuditSource;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.embedded.StackEndpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Read-only connections for auditors: a small read-only pool on the decision-log database (no schema
 * migration, no partition maintenance, unlike the sink's {@code DecisionLog}) and the evidence bucket
 * opened without creating it or touching its lifecycle rules. Nothing here writes.
 */
public final class AuditConnections implements AutoCloseable {
    private final HikariDataSource pool;
    private final EvidenceStore store;
    private final StoreAuditSource source;

    private AuditConnections(HikariDataSource pool, EvidenceStore store) {
        this.pool = pool;
        this.store = store;
        this.source = new StoreAuditSource(pool, store);
    }

    /**
     * @param cfg the configuration (bucket name)
     * @param ep  the endpoints of the deployment audited
     * @return open connections
     */
    public static AuditConnections open(FabricConfig cfg, StackEndpoints ep) {
        HikariConfig h = new HikariConfig();
        h.setPoolName("fabric-audit");
        h.setJdbcUrl(ep.jdbcUrl());
        if (ep.jdbcUser() != null && !ep.jdbcUser().isEmpty()) {
            h.setUsername(ep.jdbcUser());
        }
        if (ep.jdbcPassword() != null && !ep.jdbcPassword().isEmpty()) {
            h.setPassword(ep.jdbcPassword());
        }
        h.setReadOnly(true);
        h.setMaximumPoolSize(2);
        h.setMinimumIdle(0);
        h.addDataSourceProperty("ApplicationName", "fabric-audit");
        HikariDataSource pool = new HikariDataSource(h);
        try {
            EvidenceStore store = EvidenceStore.open(EvidenceStoreConfig.builder()
                    .endpoint(ep.s3Endpoint()).region(ep.s3Region()).bucket(cfg.getString(FabricConfig.S3_BUCKET_CONFIG))
                    .accessKey(ep.s3AccessKey()).secretKey(ep.s3SecretKey()).pathStyle(true)
                    .createBucket(false).lifecycleEnabled(false).build());
            return new AuditConnections(pool, store);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** @return the decision log, evidence index and bucket as the auditor reads them */
    public StoreAuditSource source() {
        return source;
    }

    /** @return the evidence bucket */
    public EvidenceStore store() {
        return store;
    }

    /**
     * The trusted evidence key ring: {@code audit.evidence.keys.file}, or the given override.
     *
     * @param cfg      configuration
     * @param override a key ring file named on the command line, or null
     * @return the signature check over that ring
     * @throws IOException when the ring does not exist or cannot be read (the message says how to make one)
     */
    public static SignatureCheck trustedEvidenceKeys(FabricConfig cfg, Path override) throws IOException {
        Path file = override != null ? override : cfg.auditEvidenceKeysFile();
        if (!Files.exists(file)) {
            throw new IOException("trusted evidence key ring " + file + " does not exist (" + FabricConfig.AUDIT_EVIDENCE_KEYS_CONFIG
                    + "); create it from the public half of the evidence signing key with 'fabric audit trust --key "
                    + cfg.evidenceKeyFile() + " --ring " + file + "'");
        }
        return signatureCheck(KeyRing.read(file));
    }

    /** @return a signature check over {@code ring} */
    public static SignatureCheck signatureCheck(KeyRing ring) {
        return (keyId, message, signature) -> {
            if (keyId == null || ring.publicKey(keyId).isEmpty()) {
                return SignatureCheck.Result.UNKNOWN_KEY;
            }
            return ring.verify(keyId, message, signature) ? SignatureCheck.Result.VALID : SignatureCheck.Result.INVALID;
        };
    }

    @Override
    public void close() {
        store.close();
        pool.close();
    }
}
