/**
 * The load generator behind {@code fabric load}: an open-loop, constant-rate sender that measures
 * every latency from the <em>intended</em> send time (so a stalled system cannot hide its stall by
 * slowing the sender down — no coordinated omission), records into HdrHistogram, checks every
 * decision against the verdict the generator expected, and writes a JSON and an HTML report.
 *
 * <p>Parts: {@link io.provability.fabric.topology.traffic.LoadProfile} (what to send), {@link
 * io.provability.fabric.topology.traffic.LoadTraffic} (the requests and their expected verdicts),
 * {@link io.provability.fabric.load.Transport} (how requests reach the fabric and decisions come
 * back; {@link io.provability.fabric.load.KafkaTransport} is the Kafka-native one, {@link
 * io.provability.fabric.load.HttpTransport} goes through the front door), {@link
 * io.provability.fabric.load.LoadGenerator} (the open-loop driver), {@link
 * io.provability.fabric.load.Baselines} (raw component speeds in the same run) and {@link
 * io.provability.fabric.load.LoadReport} (SLOs, goals, JSON, HTML), and for memory {@link
 * io.provability.fabric.load.ApplicationProcess} (the application in its own JVM, started by {@link
 * io.provability.fabric.load.FabricProcess}, the one launcher of {@code fabric} child processes,
 * which the end-to-end tests use too) and {@link io.provability.fabric.load.StateSize} (state bytes
 * per session, from the changelogs).
 */
package io.provability.fabric.load;
