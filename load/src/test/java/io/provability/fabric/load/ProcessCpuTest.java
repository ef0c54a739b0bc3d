package io.provability.fabric.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCpuTest {
  @Test
  void statFieldsAreCountedAfterTheCommandNameEvenWhenItHoldsSpacesAndParentheses() {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    // cutime cstime ...
    String stat =
        "4242 (java (fabric) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 30 0 12345 0 0";
    // (250 + 50 + 7 + 3) ticks at 100 per second = 3.1 s
    assertThat(ProcessCpu.parseStat(stat)).isEqualTo(3_100_000L);
  }

  @Test
  void thisProcessUsesCpuAndAMissingOneIsEmpty() {
    assumeTrue(Files.exists(Path.of("/proc/self/stat")), "Linux /proc");
    long before = ProcessCpu.treeMicros(ProcessHandle.current().pid()).orElseThrow();
    long spin = 0;
    long until = System.nanoTime() + 300_000_000L;
    while (System.nanoTime() < until) {
      spin += Long.numberOfTrailingZeros(spin + System.nanoTime());
    }
    assertThat(spin).isNotNegative();
    assertThat(ProcessCpu.treeMicros(ProcessHandle.current().pid()).orElseThrow())
        .isGreaterThan(before);
    assertThat(ProcessCpu.ownMicros(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void processOptionsNameTheProblem() {
    assertThatThrownBy(() -> new BoxProcesses().addOption("postgresql"))
        .hasMessageContaining("ROLE=PID");
    assertThatThrownBy(() -> new BoxProcesses().addOption("postgresql=abc"))
        .hasMessageContaining("not a process id");
    assertThatThrownBy(() -> new BoxProcesses().addOption("postgresql=" + Long.MAX_VALUE))
        .hasMessageContaining("no running process");
  }

  @Test
  void infraPidFilesAreReadByRole(@TempDir Path dir) throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/self/stat")), "Linux /proc");
    long self = ProcessHandle.current().pid();
    Files.createDirectories(dir.resolve("kafka"));
    Files.writeString(dir.resolve("kafka/broker.pid"), self + "\n");
    Files.createDirectories(dir.resolve("pg/data"));
    Files.writeString(dir.resolve("pg/data/postmaster.pid"), self + "\n/var/lib/pg\n1700000000\n");
    Files.createDirectories(dir.resolve("redis"));
    Files.writeString(dir.resolve("redis/redis.pid"), Long.MAX_VALUE + "\n"); // stale: skipped
    BoxProcesses box = new BoxProcesses().addInfra(dir);
    assertThat(box.members())
        .extracting(BoxProcesses.Member::role)
        .containsExactly("broker", "postgresql");
    Map<String, Long> cpu = box.cpuMicros();
    assertThat(cpu).containsKeys("broker", "postgresql");
  }

  @Test
  void prometheusSamplesAreSummedByLabel() {
    String exposition =
        """
        # HELP fabric_s3_requests_total S3 requests
        # TYPE fabric_s3_requests_total counter
        fabric_s3_requests_total{instance="a",operation="PutObject"} 12.0
        fabric_s3_requests_total{operation="PutObject",instance="b"} 3.0
        fabric_s3_requests_total{operation="GetObject"} 2.0
        fabric_s3_requests_total_created{operation="GetObject"} 1.7E9
        """;
    assertThat(ApplicationProcess.byLabel(exposition, "fabric_s3_requests_total", "operation"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("PutObject", 15L, "GetObject", 2L));
    assertThat(ApplicationProcess.byLabel(exposition, "fabric_nothing_total", "operation"))
        .isNull();
  }
}
