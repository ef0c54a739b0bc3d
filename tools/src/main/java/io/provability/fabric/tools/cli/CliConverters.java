package io.provability.fabric.tools.cli;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The value types every command shares, registered once on the root command ({@link
 * FabricCli#commandLine()}) so that every option of those types reads them the same way.
 */
final class CliConverters {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private CliConverters() {}

  /**
   * A duration: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}, combinations such as
   * {@code 1m30s}, or ISO-8601 ({@code PT5S}).
   */
  static Duration duration(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.startsWith("p") || v.startsWith("-p")) {
      try {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw durationError(value);
      }
    }
    Matcher m = PART.matcher(v);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
      end = m.end();
    }
    if (end == 0 || end != v.length()) {
      throw durationError(value);
    }
    return total;
  }

  /**
   * A point in time: RFC 3339 / ISO-8601 with a zone ({@code 2026-12-01T10:00:00Z}, {@code
   * 2026-12-01T11:00:00+01:00}, {@code 2026-12-01 10:00:00Z}), or a date ({@code 2026-12-01},
   * meaning its start in UTC).
   */
  static Instant instant(String value) {
    String v = value.strip();
    try {
      if (v.length() == 10) {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      // RFC 3339 allows a space instead of 'T' and lower-case 't' and 'z'
      String iso = v.replace(' ', 'T').replace('t', 'T').replace('z', 'Z');
      return OffsetDateTime.parse(iso).toInstant();
    } catch (DateTimeException e) {
      throw new CommandLine.TypeConversionException(
          "'"
              + value
              + "' is not a time: give a date (2026-12-01, "
              + "its start in UTC) or an RFC 3339 time with its zone (2026-12-01T10:00:00Z, 2026-12-01T11:00:00+01:00)");
    }
  }

  private static CommandLine.TypeConversionException durationError(String value) {
    return new CommandLine.TypeConversionException(
        "'"
            + value
            + "' is not a duration: give e.g. 500ms, 5s, 2m, "
            + "1h30m, 1d or ISO-8601 (PT5S)");
  }
}
