package io.provability.fabric.processors.cache;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared tier on Redis through Lettuce: one standalone node ({@code redis://host:port}) or a
 * Redis Cluster (a list of seed URIs), chosen by configuration; the code path is the same.
 *
 * <p>Nothing here runs on the caller's thread except putting work on a bounded queue: one writer
 * thread drains it and sends every queued command pipelined (auto-flush off, one flush per batch).
 * Stores are write-behind {@code SET key value PX ttl}; each batch of stores is also published on
 * one pub/sub channel, so the other instances put the entries into their near caches without a
 * round trip (Redis Cluster forwards {@code PUBLISH} to every node, so this works on a cluster too,
 * where RESP3 client-side caching does not: Lettuce offers it on standalone connections only).
 *
 * <p>Failure means slower, never wrong, never stopped: commands are rejected at once while Redis is
 * disconnected and time out after {@code timeout}; work that cannot be queued or sent is dropped;
 * all of it is counted in {@link CacheMetrics}; Lettuce reconnects by itself (every 250 ms) and a
 * connection that never opened is retried with backoff.
 *
 * <p>Hazard: whoever can write to Redis could plant entries, and an entry can grant (a "verified"
 * token, an ALLOW). Every value therefore carries an HMAC-SHA256 under a secret the instances
 * share, and entries that do not verify are dropped and counted; the secret must not be known to
 * Redis's other writers.
 */
public final class RedisSharedTier implements SharedTier {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSharedTier.class);
  private static final int MAC_LENGTH = 32;
  private static final byte[] KEY_PREFIX = "fh:".getBytes(StandardCharsets.US_ASCII);

  /**
   * Connection settings.
   *
   * @param uri a standalone node, used when {@code clusterUris} is empty
   * @param clusterUris seed nodes of a Redis Cluster; non-empty selects cluster mode
   * @param timeout command and connect timeout
   * @param batchMax most commands sent in one pipelined flush
   * @param queueMax most queued (and, separately, in-flight) commands; more are dropped and counted
   * @param macKey key of the HMAC that authenticates stored values
   * @param channel the pub/sub channel that carries stores to the other instances
   */
  public record Settings(
      String uri,
      List<String> clusterUris,
      Duration timeout,
      int batchMax,
      int queueMax,
      byte[] macKey,
      String channel) {
    public Settings {
      clusterUris = List.copyOf(clusterUris);
      if (clusterUris.isEmpty() && (uri == null || uri.isBlank())) {
        throw new IllegalArgumentException("a Redis URI or cluster URIs are required");
      }
      Objects.requireNonNull(timeout, "timeout");
      macKey = macKey.clone();
    }

    /** True when cluster URIs are given. */
    public boolean cluster() {
      return !clusterUris.isEmpty();
    }
  }

  private sealed interface Op permits Store, Fetch {}

  private record Store(CacheName cache, ByteKey key, byte[] value, long ttlMillis) implements Op {}

  private record Fetch(CacheName cache, ByteKey key, CompletableFuture<byte[]> result)
      implements Op {}

  private final Settings settings;
  private final CacheMetrics metrics;
  private final Clock clock;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final BlockingQueue<Op> queue;
  private final Semaphore inFlight;
  private final byte[] instanceId = new byte[16];
  private final byte[] channel;
  private final ThreadLocal<Mac> macs;
  private final Thread writer;
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean closed;
  private volatile Receiver receiver = (c, k, v) -> {};
  // owned by the writer thread
  private StatefulConnection<byte[], byte[]> connection;
  private RedisClusterAsyncCommands<byte[], byte[]> commands;
  private StatefulRedisPubSubConnection<byte[], byte[]> subscriber;
  private long nextConnectAttempt;
  private long connectBackoffMillis = 100;

  /** Starts the writer thread; connecting happens on it, so this never blocks on Redis. */
  public RedisSharedTier(Settings settings, CacheMetrics metrics) {
    this(settings, metrics, Clock.systemUTC());
  }

  /**
   * Starts the writer thread, as {@link #RedisSharedTier(Settings, CacheMetrics)}.
   *
   * @param clock the time the connect backoff and the drain on {@link #close()} run on
   */
  public RedisSharedTier(Settings settings, CacheMetrics metrics, Clock clock) {
    this.settings = settings;
    this.metrics = metrics;
    this.clock = clock;
    new SecureRandom().nextBytes(instanceId);
    this.channel = settings.channel().getBytes(StandardCharsets.UTF_8);
    this.queue = new ArrayBlockingQueue<>(settings.queueMax());
    this.inFlight = new Semaphore(settings.queueMax());
    byte[] macKey = settings.macKey();
    this.macs =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
                return mac;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is unavailable", e);
              }
            });
    this.resources =
        DefaultClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(Delay.constant(Duration.ofMillis(250)))
            .build();
    SocketOptions socket = SocketOptions.builder().connectTimeout(settings.timeout()).build();
    if (settings.cluster()) {
      List<RedisURI> seeds = settings.clusterUris().stream().map(RedisURI::create).toList();
      RedisClusterClient c = RedisClusterClient.create(resources, seeds);
      c.setOptions(
          ClusterClientOptions.builder()
              .autoReconnect(true)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .socketOptions(socket)
              .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
              .build());
      this.client = c;
    } else {
      RedisClient c = RedisClient.create(resources, RedisURI.create(settings.uri()));
      c.setOptions(
          ClientOptions.builder()
              .autoReconnect(true)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .socketOptions(socket)
              .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
              .build());
      this.client = c;
    }
    this.writer = new Thread(this::run, "fabric-hot-tier-redis");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void setReceiver(Receiver receiver) {
    this.receiver = receiver;
  }

  @Override
  public void store(CacheName cache, ByteKey key, byte[] value, long ttlMillis) {
    if (!queue.offer(new Store(cache, key, value, ttlMillis))) {
      metrics.redis("set", "dropped", 1);
    }
  }

  @Override
  public byte[] fetch(CacheName cache, ByteKey key, Duration wait) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    if (!queue.offer(new Fetch(cache, key, result))) {
      metrics.redis("get", "dropped", 1);
      return null;
    }
    try {
      return result.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      metrics.redis("get", "timeout", 1);
      return null;
    } catch (ExecutionException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** True once a connection is open (it may be reconnecting). */
  public boolean connected() {
    StatefulConnection<byte[], byte[]> c = connection;
    return c != null && c.isOpen();
  }

  private void run() {
    List<Op> batch = new ArrayList<>(settings.batchMax());
    while (!closed) {
      try {
        Op first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (!ensureConnected()) {
          if (first != null) {
            batch.add(first);
            queue.drainTo(batch, settings.batchMax() - 1);
            dropAll(batch, "dropped");
            batch.clear();
          }
          continue;
        }
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, settings.batchMax() - 1);
        send(batch);
        batch.clear();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // a failure of one batch must not end the writer: count it and carry on
        LOG.warn("hot tier: a Redis batch failed: {}", e.toString());
        dropAll(batch, "error");
        batch.clear();
      }
    }
  }

  private void dropAll(List<Op> batch, String result) {
    for (Op op : batch) {
      if (op instanceof Fetch f) {
        metrics.redis("get", result, 1);
        f.result().complete(null);
      } else {
        metrics.redis("set", result, 1);
      }
    }
  }

  private void send(List<Op> batch) throws InterruptedException {
    ByteArrayOutputStream published = new ByteArrayOutputStream();
    int stores = 0;
    try (DataOutputStream pub = new DataOutputStream(published)) {
      pub.write(instanceId);
      for (Op op : batch) {
        if (!inFlight.tryAcquire(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
          dropAll(List.of(op), "dropped");
          continue;
        }
        if (op instanceof Store s) {
          byte[] signed = sign(s.cache(), s.key(), s.value());
          RedisFuture<String> f =
              commands.set(redisKey(s.cache(), s.key()), signed, SetArgs.Builder.px(s.ttlMillis()));
          f.whenComplete((ok, e) -> done("set", e));
          pub.writeByte(s.cache().tag());
          pub.writeInt(s.key().unsafeBytes().length);
          pub.write(s.key().unsafeBytes());
          pub.writeInt(signed.length);
          pub.write(signed);
          stores++;
        } else if (op instanceof Fetch g) {
          RedisFuture<byte[]> f = commands.get(redisKey(g.cache(), g.key()));
          f.whenComplete(
              (v, e) -> {
                done("get", e);
                g.result()
                    .complete(e == null && v != null ? verified(g.cache(), g.key(), v) : null);
              });
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory failed", e);
    }
    if (stores > 0 && inFlight.tryAcquire()) {
      commands.publish(channel, published.toByteArray()).whenComplete((n, e) -> done("publish", e));
    }
    connection.flushCommands();
  }

  private void done(String op, Throwable error) {
    inFlight.release();
    metrics.redis(op, error == null ? "ok" : "error", 1);
    if (error != null) {
      long n = errors.incrementAndGet();
      // the first few in full, then a sample: an outage produces one error per command
      if (n <= 5 || n % 1000 == 0) {
        LOG.warn("hot tier: Redis {} failed ({} failures so far): {}", op, n, error.toString());
      }
    }
  }

  private boolean ensureConnected() {
    if (connection != null) {
      return true;
    }
    long now = clock.millis();
    if (now < nextConnectAttempt) {
      return false;
    }
    try {
      if (client instanceof RedisClusterClient c) {
        StatefulRedisClusterConnection<byte[], byte[]> conn = c.connect(ByteArrayCodec.INSTANCE);
        // open every node's connection now: a command routed to a node whose connection is still
        // opening
        // would be rejected (REJECT_COMMANDS), costing hits for no reason
        for (RedisClusterNode node : conn.getPartitions()) {
          conn.getConnection(node.getNodeId());
          conn.getConnection(node.getUri().getHost(), node.getUri().getPort());
        }
        conn.setAutoFlushCommands(false);
        commands = conn.async();
        subscriber = c.connectPubSub(ByteArrayCodec.INSTANCE);
        connection = conn;
      } else {
        RedisClient c = (RedisClient) client;
        StatefulRedisConnection<byte[], byte[]> conn = c.connect(ByteArrayCodec.INSTANCE);
        conn.setAutoFlushCommands(false);
        commands = conn.async();
        subscriber = c.connectPubSub(ByteArrayCodec.INSTANCE);
        connection = conn;
      }
      subscriber.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] ch, byte[] message) {
              onMessage(message);
            }
          });
      subscriber.sync().subscribe(channel);
      metrics.redis("connect", "ok", 1);
      connectBackoffMillis = 100;
      LOG.info(
          "hot tier: connected to Redis ({})",
          settings.cluster() ? "cluster " + settings.clusterUris() : settings.uri());
      return true;
    } catch (RuntimeException e) {
      metrics.redis("connect", "error", 1);
      LOG.warn(
          "hot tier: cannot connect to Redis ({}); caches work in-process only until it is back: {}",
          settings.cluster() ? settings.clusterUris() : settings.uri(),
          e.toString());
      closeQuietly();
      nextConnectAttempt = now + connectBackoffMillis;
      connectBackoffMillis = Math.min(2_000, connectBackoffMillis * 2);
      return false;
    }
  }

  private void onMessage(byte[] message) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
      byte[] sender = in.readNBytes(instanceId.length);
      if (Arrays.equals(sender, instanceId)) {
        return;
      }
      while (in.available() > 0) {
        CacheName cache = CacheName.ofTag(in.readByte());
        byte[] key = readBytes(in);
        byte[] signed = readBytes(in);
        if (cache == null) {
          metrics.countRejected();
          return;
        }
        ByteKey k = new ByteKey(key);
        byte[] value = verified(cache, k, signed);
        if (value != null) {
          metrics.countReplicated(cache);
          receiver.received(cache, k, value);
        }
      }
    } catch (IOException | RuntimeException e) {
      metrics.countRejected();
      LOG.warn("hot tier: unreadable replication message ({})", e.toString());
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 64 << 20) {
      throw new IOException("bad length " + n);
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new IOException("truncated");
    }
    return b;
  }

  private static byte[] redisKey(CacheName cache, ByteKey key) {
    byte[] k = key.unsafeBytes();
    byte[] out = new byte[KEY_PREFIX.length + 2 + k.length];
    System.arraycopy(KEY_PREFIX, 0, out, 0, KEY_PREFIX.length);
    out[KEY_PREFIX.length] = cache.tag();
    out[KEY_PREFIX.length + 1] = ':';
    System.arraycopy(k, 0, out, KEY_PREFIX.length + 2, k.length);
    return out;
  }

  private byte[] mac(CacheName cache, ByteKey key, byte[] value, int valueLength) {
    Mac mac = macs.get();
    mac.update(cache.tag());
    mac.update(key.unsafeBytes());
    mac.update(value, 0, valueLength);
    return mac.doFinal();
  }

  private byte[] sign(CacheName cache, ByteKey key, byte[] value) {
    byte[] out = Arrays.copyOf(value, value.length + MAC_LENGTH);
    System.arraycopy(mac(cache, key, value, value.length), 0, out, value.length, MAC_LENGTH);
    return out;
  }

  /** The value without its MAC, or null (counted) if the MAC does not verify. */
  private byte[] verified(CacheName cache, ByteKey key, byte[] signed) {
    int n = signed.length - MAC_LENGTH;
    if (n < 0
        || !MessageDigest.isEqual(
            mac(cache, key, signed, n), Arrays.copyOfRange(signed, n, signed.length))) {
      metrics.countRejected();
      return null;
    }
    return Arrays.copyOf(signed, n);
  }

  private void closeQuietly() {
    try {
      if (subscriber != null) {
        subscriber.close();
      }
      if (connection != null) {
        connection.close();
      }
    } catch (RuntimeException e) {
      LOG.debug("hot tier: closing the Redis connection: {}", e.toString());
    }
    subscriber = null;
    connection = null;
    commands = null;
  }

  /** Sends what is queued (bounded by the timeout), then closes the connections and the client. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    Instant deadline = clock.instant().plus(settings.timeout());
    while (!queue.isEmpty() && clock.instant().isBefore(deadline) && connection != null) {
      LockSupport.parkNanos(1_000_000L);
    }
    closed = true;
    try {
      writer.join(Math.max(1000, settings.timeout().toMillis() * 2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
