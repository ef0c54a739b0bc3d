package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.PlanRequest;
import java.time.Instant;

/** Decides a plan: the kernel itself, or the kernel behind the hot tier's decision cache. */
@FunctionalInterface
public interface PlanEvaluator {
  /** Evaluates {@code plan} at {@code now} under {@code policy}. Never throws on bad input. */
  KernelResult evaluate(PlanRequest plan, PolicyView policy, Instant now);
}
