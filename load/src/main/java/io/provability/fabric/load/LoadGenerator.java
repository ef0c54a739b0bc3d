package io.provability.fabric.load;

import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * The open-loop driver: request {@code i} is due at {@code start + i / rate}, whatever happened to
 * the requests before it, and its latency is measured from that intended time. A sender that falls
 * behind (a full producer buffer, a GC pause) sends the overdue requests at once and their latency
 * includes the wait — the stall is measured, not hidden (no coordinated omission). How far the
 * sender itself fell behind is reported too, so a slow generator cannot pass for a slow fabric.
 *
 * <p>Threads: the caller's thread sends; the transport's threads report decisions; a ticker thread
 * takes one sample per second and hands it to the progress callback.
 */
public final class LoadGenerator {
  /** Latencies above this are recorded as this (an hour, in microseconds). */
  static final long MAX_LATENCY_MICROS = 3_600_000_000L;

  private static final int SIGNIFICANT_DIGITS = 3;

  private final Clock clock;
  private final Duration drainTimeout;
  private final Duration duplicateGrace;
  private volatile boolean stopRequested;

  /**
   * @param drainTimeout how long to wait, after the last send, for the outstanding decisions
   * @param duplicateGrace how long to keep listening after the last decision, for late duplicates
   */
  public LoadGenerator(Clock clock, Duration drainTimeout, Duration duplicateGrace) {
    this.clock = clock;
    this.drainTimeout = drainTimeout;
    this.duplicateGrace = duplicateGrace;
  }

  /**
   * Ends the current run's sending early (from any thread): the requests sent so far are still
   * awaited and judged. For tests that keep the load on exactly as long as a disruption lasts.
   */
  public void requestStop() {
    stopRequested = true;
  }

  /**
   * Runs one constant-rate load and returns what it measured; {@code progress} gets one sample per
   * second.
   */
  public LoadResult run(
      String name,
      LoadProfile profile,
      LoadTraffic traffic,
      Transport transport,
      Consumer<LoadResult.Sample> progress)
      throws Exception {
    long total = profile.totalRequests();
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "a run is limited to " + (Integer.MAX_VALUE - 8) + " requests; got " + total);
    }
    Book book = new Book(traffic.prefix(), (int) total);
    transport.start(book);
    var startedAt = clock.instant();
    long period = Math.max(1, Math.round(1e9 / profile.rate()));
    long start = System.nanoTime() + 20_000_000L;
    book.wallAtStartMicros = System.currentTimeMillis() * 1000 + (start - System.nanoTime()) / 1000;
    book.start = start;
    Thread ticker = new Thread(() -> book.tickUntilStopped(progress), "fabric-load-ticker");
    ticker.setDaemon(true);
    ticker.start();
    long maxLag = 0;
    try {
      stopRequested = false;
      for (int i = 0; i < total && !stopRequested; i++) {
        long due = start + i * period;
        long now = System.nanoTime();
        if (now < due) {
          transport.flush();
          while ((now = System.nanoTime()) < due) {
            LockSupport.parkNanos(due - now);
          }
        } else {
          maxLag = Math.max(maxLag, now - due);
        }
        LoadTraffic.LoadRequest r = traffic.next();
        book.expect(r, due);
        transport.send(r);
        book.sent.incrementAndGet();
      }
      transport.flush();
      double sendSeconds = (System.nanoTime() - start) / 1e9;
      long drainDeadline = System.nanoTime() + drainTimeout.toNanos();
      while (book.outstanding() > 0 && System.nanoTime() < drainDeadline) {
        LockSupport.parkNanos(2_000_000L);
      }
      long graceEnd = System.nanoTime() + duplicateGrace.toNanos();
      while (System.nanoTime() < graceEnd) {
        LockSupport.parkNanos(2_000_000L);
      }
      book.stopTicker(ticker);
      return book.result(
          name,
          transport.name(),
          profile,
          startedAt,
          sendSeconds,
          maxLag / 1000,
          traffic.sessionsTouched());
    } finally {
      book.stopTicker(ticker);
    }
  }

  /** The bookkeeping of one run; the transport reports into it. */
  private static final class Book implements Transport.Listener {
    private final String prefix;
    private final AtomicLongArray intended;
    private final byte[] expectedVerdict;
    private final String[] expectedCode;
    private final byte[] kinds;
    private final byte[] answers;
    private final Recorder recorder = new Recorder(1, MAX_LATENCY_MICROS, SIGNIFICANT_DIGITS);
    private final Histogram total = new Histogram(1, MAX_LATENCY_MICROS, SIGNIFICANT_DIGITS);
    private final Map<RequestKind, Histogram> byKind = new EnumMap<>(RequestKind.class);
    private final Histogram untilDecided =
        new SynchronizedHistogram(1, MAX_LATENCY_MICROS, SIGNIFICANT_DIGITS);
    private final Histogram afterDecided =
        new SynchronizedHistogram(1, MAX_LATENCY_MICROS, SIGNIFICANT_DIGITS);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong decided = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong mismatches = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicReference<String> firstSendError = new AtomicReference<>();
    private final List<String> mismatchSamples = Collections.synchronizedList(new ArrayList<>());
    private final List<LoadResult.Sample> timeline =
        Collections.synchronizedList(new ArrayList<>());
    private volatile boolean ticking = true;
    private volatile long start;

    /**
     * The wall clock, in epoch microseconds, at {@link #start}: turns nanoTime instants into
     * decided_at's scale.
     */
    private volatile long wallAtStartMicros;

    Book(String prefix, int n) {
      this.prefix = prefix;
      this.intended = new AtomicLongArray(n);
      this.expectedVerdict = new byte[n];
      this.expectedCode = new String[n];
      this.kinds = new byte[n];
      this.answers = new byte[n];
      for (RequestKind k : RequestKind.values()) {
        byKind.put(k, new SynchronizedHistogram(1, MAX_LATENCY_MICROS, SIGNIFICANT_DIGITS));
      }
    }

    void expect(LoadTraffic.LoadRequest r, long due) {
      int i = (int) r.seq();
      expectedVerdict[i] = (byte) r.expectedVerdict().ordinal();
      expectedCode[i] = r.expectedCode();
      kinds[i] = (byte) r.kind().ordinal();
      intended.set(
          i, due); // volatile write: publishes the plain fields above to the reporting thread
    }

    long outstanding() {
      return sent.get() - decided.get() - sendErrors.get();
    }

    @Override
    public void decided(
        String requestId,
        Verdict verdict,
        List<String> reasonCodes,
        long decidedAtMillis,
        long arrivedNanos) {
      long seq = LoadTraffic.sequenceOf(prefix, requestId);
      if (seq < 0 || seq >= answers.length) {
        return; // another run's decision on a shared topic
      }
      int i = (int) seq;
      long due = intended.get(i); // volatile read, pairs with expect()
      if (due == 0) {
        return; // cannot happen for a request this run sent; ignore rather than mis-measure
      }
      if (answers[i] != 0) {
        duplicates.incrementAndGet();
        return;
      }
      answers[i] = 1;
      long micros = Math.max(1, Math.min(MAX_LATENCY_MICROS, (arrivedNanos - due) / 1000));
      recorder.recordValue(micros);
      byKind.get(RequestKind.values()[kinds[i]]).recordValue(micros);
      if (decidedAtMillis >= 0) {
        // the same latency split at the decision's decided_at (millisecond resolution, same machine
        // clock
        // or NTP-close): before it the request waited in the producer, broker, poll loop and
        // decider;
        // after it the exactly-once commit, the fetch by read_committed and the transport
        long dueWall = wallAtStartMicros + (due - start) / 1000;
        long split = decidedAtMillis * 1000 - dueWall;
        long until = Math.max(1, Math.min(MAX_LATENCY_MICROS, split));
        untilDecided.recordValue(until);
        afterDecided.recordValue(Math.max(1, Math.min(MAX_LATENCY_MICROS, micros - split)));
      }
      Verdict expected = Verdict.values()[expectedVerdict[i]];
      String code = expectedCode[i];
      if (verdict != expected || (code != null && !reasonCodes.contains(code))) {
        mismatches.incrementAndGet();
        if (mismatchSamples.size() < 10) {
          mismatchSamples.add(
              requestId
                  + ": expected "
                  + expected
                  + (code == null ? "" : " " + code)
                  + ", got "
                  + verdict
                  + " "
                  + reasonCodes);
        }
      }
      decided.incrementAndGet();
    }

    @Override
    public void sendFailed(LoadTraffic.LoadRequest request, Exception cause) {
      sendErrors.incrementAndGet();
      firstSendError.compareAndSet(null, request.requestId() + ": " + cause);
    }

    void tickUntilStopped(Consumer<LoadResult.Sample> progress) {
      long lastSent = 0;
      long lastDecided = 0;
      Histogram interval = null;
      for (int second = 1; ticking; second++) {
        long due = start + second * 1_000_000_000L;
        long now;
        while (ticking && (now = System.nanoTime()) < due) {
          LockSupport.parkNanos(due - now);
        }
        if (!ticking) {
          break;
        }
        interval = recorder.getIntervalHistogram(interval);
        synchronized (total) {
          total.add(interval);
        }
        long s = sent.get();
        long d = decided.get();
        LoadResult.Sample sample =
            new LoadResult.Sample(
                second,
                s - lastSent,
                d - lastDecided,
                outstanding(),
                sendErrors.get() + mismatches.get(),
                interval.getValueAtPercentile(50),
                interval.getValueAtPercentile(99),
                interval.getMaxValue());
        lastSent = s;
        lastDecided = d;
        timeline.add(sample);
        progress.accept(sample);
      }
    }

    void stopTicker(Thread ticker) throws InterruptedException {
      ticking = false;
      LockSupport.unpark(ticker);
      ticker.join(5_000);
    }

    LoadResult result(
        String name,
        String transport,
        LoadProfile profile,
        Instant startedAt,
        double sendSeconds,
        long maxLagMicros,
        int sessionsTouched) {
      Histogram all;
      synchronized (total) {
        total.add(recorder.getIntervalHistogram());
        all = total.copy();
      }
      Map<RequestKind, Histogram> kindsCopy = new EnumMap<>(RequestKind.class);
      byKind.forEach(
          (k, h) -> {
            if (h.getTotalCount() > 0) {
              kindsCopy.put(k, h.copy());
            }
          });
      long lost = sent.get() - decided.get() - sendErrors.get();
      return new LoadResult(
          name,
          prefix,
          transport,
          profile,
          startedAt,
          sent.get(),
          decided.get(),
          duplicates.get(),
          mismatches.get(),
          List.copyOf(mismatchSamples),
          sendErrors.get(),
          firstSendError.get(),
          Math.max(0, lost),
          all,
          kindsCopy,
          List.copyOf(timeline),
          sendSeconds,
          maxLagMicros,
          sessionsTouched,
          untilDecided.copy(),
          afterDecided.copy());
    }
  }
}
