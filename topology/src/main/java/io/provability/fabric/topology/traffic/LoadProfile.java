package io.provability.fabric.topology.traffic;

import java.time.Duration;

/**
 * What one load run sends: a constant rate for a duration, over a number of sessions chosen with a
 * Zipf skew, with a mix of request kinds and a share of requests that must be allowed.
 *
 * @param rate requests per second, constant (open loop)
 * @param duration how long to send
 * @param sessions distinct session ids the requests are spread over
 * @param tenants tenants the sessions belong to
 * @param subjectsPerTenant agents per tenant; each holds one capability token, shared by its
 *     sessions
 * @param mix relative weights of plan, retrieval and egress requests
 * @param allowRatio share of requests built to be allowed (the rest each break one rule)
 * @param zipfExponent key skew over sessions: 0 is uniform, 1 is classic Zipf
 * @param seed the random seed; the same seed sends the same requests
 * @param sessionOrder how requests pick their session: Zipf-skewed draws, or every session in turn
 */
public record LoadProfile(
    double rate,
    Duration duration,
    int sessions,
    int tenants,
    int subjectsPerTenant,
    Mix mix,
    double allowRatio,
    double zipfExponent,
    long seed,
    SessionOrder sessionOrder) {
  /** How requests pick their session. */
  public enum SessionOrder {
    /** Drawn at random with the profile's Zipf skew: hot sessions get most requests. */
    ZIPF,
    /**
     * Session {@code i mod sessions} for request {@code i}: every session once before any twice, so
     * a run of {@code sessions} requests touches all of them (a million distinct sessions in a
     * million requests, where uniform draws would need ~14 million).
     */
    ROUND_ROBIN
  }

  /** A profile whose sessions are drawn with the Zipf skew. */
  public LoadProfile(
      double rate,
      Duration duration,
      int sessions,
      int tenants,
      int subjectsPerTenant,
      Mix mix,
      double allowRatio,
      double zipfExponent,
      long seed) {
    this(
        rate,
        duration,
        sessions,
        tenants,
        subjectsPerTenant,
        mix,
        allowRatio,
        zipfExponent,
        seed,
        SessionOrder.ZIPF);
  }

  /** Relative weights of the three request kinds. */
  public record Mix(int plan, int retrieval, int egress) {
    public Mix {
      if (plan < 0 || retrieval < 0 || egress < 0 || plan + retrieval + egress == 0) {
        throw new IllegalArgumentException(
            "mix weights must be >= 0 and not all 0: plan="
                + plan
                + ", retrieval="
                + retrieval
                + ", egress="
                + egress);
      }
    }

    /** Parses {@code plan=60,retrieval=25,egress=15}; kinds left out weigh 0. */
    public static Mix parse(String text) {
      int p = 0;
      int r = 0;
      int e = 0;
      for (String part : text.split(",")) {
        String[] kv = part.strip().split("=", 2);
        if (kv.length != 2) {
          throw new IllegalArgumentException("mix: expected kind=weight, got '" + part + "'");
        }
        int w = Integer.parseInt(kv[1].strip());
        switch (kv[0].strip()) {
          case "plan" -> p = w;
          case "retrieval" -> r = w;
          case "egress" -> e = w;
          default ->
              throw new IllegalArgumentException(
                  "mix: unknown kind '" + kv[0] + "' (plan, retrieval, egress)");
        }
      }
      return new Mix(p, r, e);
    }

    @Override
    public String toString() {
      return "plan=" + plan + ",retrieval=" + retrieval + ",egress=" + egress;
    }
  }

  public LoadProfile {
    if (!(rate > 0)) {
      throw new IllegalArgumentException("rate must be > 0, got " + rate);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be > 0, got " + duration);
    }
    if (sessions < 1 || tenants < 1 || subjectsPerTenant < 1) {
      throw new IllegalArgumentException("sessions, tenants and subjects per tenant must be >= 1");
    }
    if (allowRatio < 0 || allowRatio > 1) {
      throw new IllegalArgumentException("allow ratio must be within [0, 1], got " + allowRatio);
    }
    if (zipfExponent < 0) {
      throw new IllegalArgumentException("zipf exponent must be >= 0, got " + zipfExponent);
    }
    if (sessionOrder == null) {
      throw new IllegalArgumentException("session order must be given");
    }
  }

  /** Requests the run sends in all. */
  public long totalRequests() {
    return Math.round(rate * duration.toNanos() / 1e9);
  }

  /** The same profile at another rate and duration (the ceiling's steps). */
  public LoadProfile withRate(double newRate, Duration newDuration) {
    return new LoadProfile(
        newRate,
        newDuration,
        sessions,
        tenants,
        subjectsPerTenant,
        mix,
        allowRatio,
        zipfExponent,
        seed,
        sessionOrder);
  }
}
