package io.provability.fabric.sinks.audit;

import java.util.List;
import java.util.Objects;

/**
 * One thing an audit found wrong: which object or row, what kind of mismatch, what differs, and the
 * decisions whose evidence it takes away.
 *
 * @param subject what is wrong: {@code log <origin>}, {@code checkpoint <origin> size <n>}, {@code
 *     entry <origin>#<i>}, {@code decision <id>} (a row)
 * @param code the kind of mismatch
 * @param detail what differs, precisely (values on both sides)
 * @param affected decision ids left without verifiable evidence by this mismatch (sorted)
 */
public record Mismatch(String subject, Code code, String detail, List<String> affected) {

  /** Kinds of mismatch, roughly from the most to the least severe. */
  public enum Code {
    /** The log's {@code checkpoint} object is missing or cannot be parsed. */
    CHECKPOINT_MISSING,
    /**
     * A checkpoint (published or recorded) has no valid signature by a trusted log key, or the
     * wrong origin.
     */
    CHECKPOINT_SIGNATURE_INVALID,
    /** A recorded checkpoint row's size or root differs from the signed note it stores. */
    CHECKPOINT_ROW_MISMATCH,
    /**
     * The published checkpoint is smaller than the latest recorded one: the log was rolled back.
     */
    CHECKPOINT_ROLLED_BACK,
    /** The published checkpoint is larger than any recorded one: checkpoint rows are missing. */
    CHECKPOINT_NOT_RECORDED,
    /**
     * Two checkpoints are not consistent (the larger does not extend the smaller): a fork or a
     * rewrite.
     */
    CHECKPOINT_INCONSISTENT,
    /**
     * The tiles or entry bundles do not recompute to the checkpoint's root (a tile or bundle
     * changed, or is gone).
     */
    TILE_MISMATCH,
    /**
     * An entry is not included under the checkpoint's root (its bundle or a tile on its path
     * changed or is gone).
     */
    ENTRY_NOT_IN_LOG,
    /**
     * An entry does not decode, its request does not hash to the decision's request hash, or its
     * object is bad.
     */
    ENTRY_INVALID,
    /**
     * A trusted witness has not cosigned a checkpoint of this log, or its cosigned checkpoint is
     * not this log's.
     */
    WITNESS_MISMATCH,
    /** An entry's decision has no row in {@code decision_log}. */
    ROW_MISSING,
    /** A row differs from the decision in its entry. */
    ROW_DIFFERS,
    /** More than one row holds the same decision id (in whatever day partitions). */
    DUPLICATE_ROW,
    /** A row has no entry in any log. */
    ROW_WITHOUT_ENTRY,
    /**
     * {@code decision_evidence} is missing for an entry or names another decision than the entry
     * holds.
     */
    LEAF_ROW_WRONG
  }

  /** Validates and copies. */
  public Mismatch {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(detail, "detail");
    affected = List.copyOf(affected);
  }

  /**
   * @return one line: code, subject, detail, and the number of decisions affected
   */
  public String render() {
    String tail =
        affected.isEmpty()
            ? ""
            : " ["
                + affected.size()
                + " decision(s) left without evidence: "
                + String.join(", ", affected.size() > 5 ? affected.subList(0, 5) : affected)
                + (affected.size() > 5 ? ", ..." : "")
                + "]";
    return code + " " + subject + ": " + detail + tail;
  }
}
