package io.provability.fabric.connectors.evidence;

import io.provability.fabric.connectors.BadRecords;
import io.provability.fabric.connectors.ConnectorVersion;
import io.provability.fabric.connectors.RecordValues;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import io.provability.fabric.sinks.decisionlog.BundleIndexEntry;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogException;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreException;
import io.provability.fabric.sinks.evidence.InvalidBundleException;
import io.provability.fabric.sinks.evidence.PutResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores evidence bundles in S3, then records them in PostgreSQL, all inside {@link #put}: the S3
 * objects first (in parallel, {@code s3.put.concurrency} at a time), then one transaction for the
 * index rows of the whole batch. A row therefore never points at a missing object, and when
 * {@code put} returns everything it was given is durable, so committed offsets never run ahead of the
 * data. Redelivery is harmless: the object key is content-addressed (HEAD / If-None-Match skip the
 * upload) and the index inserts end in {@code ON CONFLICT DO NOTHING}.
 *
 * <p>Undecodable values and bundles whose root does not match their leaves go to {@link BadRecords};
 * transient S3 or database failures become a {@link RetriableException} (the whole batch is
 * redelivered after {@code retry.backoff.ms}); anything else fails the task.
 */
public class EvidenceSinkTask extends SinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(EvidenceSinkTask.class);

    private final Clock clock;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong deduplicated = new AtomicLong();
    private final AtomicLong indexed = new AtomicLong();
    private EvidenceStore store;
    private DecisionLog index;
    private ExecutorService uploads;
    private EventCodec codec;
    private BadRecords badRecords;
    private long retryBackoffMs;

    /** Used by Connect. */
    public EvidenceSinkTask() {
        this(Clock.systemUTC());
    }

    /** @param clock source of "today" for partition maintenance of the shared database */
    EvidenceSinkTask(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String version() {
        return ConnectorVersion.get();
    }

    @Override
    public void start(Map<String, String> props) {
        EvidenceSinkConfig config = new EvidenceSinkConfig(props);
        retryBackoffMs = config.retryBackoffMs();
        codec = EventCodec.standard();
        String name = props.getOrDefault("name", "evidence-sink");
        badRecords = BadRecords.from(context, name);
        try {
            store = EvidenceStore.open(config.evidenceStore());
            index = DecisionLog.open(config.evidenceIndex(), clock);
        } catch (EvidenceStoreException | DecisionLogException e) {
            stop();
            throw new ConnectException("evidence sink cannot start: " + e.getMessage(), e);
        }
        AtomicInteger threads = new AtomicInteger();
        uploads = Executors.newFixedThreadPool(config.putConcurrency(), r -> {
            Thread t = new Thread(r, name + "-s3-put-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        List<SinkRecord> accepted = new ArrayList<>(records.size());
        List<Future<PutResult>> puts = new ArrayList<>(records.size());
        List<EvidenceBundle> bundles = new ArrayList<>(records.size());
        for (SinkRecord record : records) {
            EvidenceBundle bundle;
            try {
                bundle = codec.decode(RecordValues.bytes(record), EvidenceBundle.class);
            } catch (EventDecodeException e) {
                badRecords.report(record, new DataException("not a decodable EvidenceBundle (" + e.reason() + "): "
                        + e.getMessage(), e));
                continue;
            } catch (DataException e) {
                badRecords.report(record, e);
                continue;
            }
            accepted.add(record);
            bundles.add(bundle);
            puts.add(uploads.submit(() -> store.put(bundle)));
        }

        List<BundleIndexEntry> entries = new ArrayList<>(puts.size());
        RuntimeException transientFailure = null;
        for (int i = 0; i < puts.size(); i++) {
            try {
                PutResult result = puts.get(i).get();
                (result.deduplicated() ? deduplicated : written).incrementAndGet();
                entries.add(BundleIndexEntry.of(bundles.get(i), result.key()));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof InvalidBundleException invalid) {
                    badRecords.report(accepted.get(i), new DataException(invalid.getMessage(), invalid));
                } else if (cause instanceof EvidenceStoreException s && s.retriable()) {
                    transientFailure = s; // keep waiting for the others: no upload is left running
                } else {
                    throw new ConnectException("storing evidence bundle of record " + describe(accepted.get(i))
                            + " failed", cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while storing evidence bundles", e);
            }
        }
        if (transientFailure != null) {
            context.timeout(retryBackoffMs);
            throw new RetriableException("storing evidence bundles failed transiently; Connect will redeliver the "
                    + "batch in " + retryBackoffMs + " ms (stored bundles are skipped by key)", transientFailure);
        }

        try {
            indexed.addAndGet(index.evidenceIndex().record(entries));
        } catch (DecisionLogException e) {
            if (e.retriable()) {
                context.timeout(retryBackoffMs);
                throw new RetriableException("recording " + entries.size() + " evidence bundles failed; Connect will "
                        + "redeliver them in " + retryBackoffMs + " ms", e);
            }
            throw new ConnectException("recording " + entries.size() + " evidence bundles failed", e);
        }
    }

    @Override
    public void stop() {
        if (uploads != null) {
            uploads.shutdownNow();
            try {
                uploads.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            uploads = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
        if (index != null) {
            index.close();
            index = null;
        }
        LOG.info("evidence sink task stopped: {} bundles written, {} already stored, {} newly indexed, {} bad records",
                written.get(), deduplicated.get(), indexed.get(), badRecords == null ? 0 : badRecords.count());
    }

    /** @return bundles this task uploaded */
    public long written() {
        return written.get();
    }

    /** @return bundles that were already stored */
    public long deduplicated() {
        return deduplicated.get();
    }

    /** @return bundles newly recorded in the index */
    public long indexed() {
        return indexed.get();
    }

    /** @return records routed as bad */
    public long badRecords() {
        return badRecords.count();
    }

    private static String describe(SinkRecord r) {
        return r.topic() + "-" + r.kafkaPartition() + "@" + r.kafkaOffset();
    }
}
