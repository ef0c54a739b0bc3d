package io.provability.fabric.schemas.serde.internal;

import io.provability.fabric.events.DeadLetterReason;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/**
 * Decides, once per writer schema, whether its bytes can be read as the current schema, and if not,
 * says why in terms of field paths ({@code subject.token.key_id}) rather than Avro's schema
 * locations, because the answer ends up in dead letters that people read.
 */
public final class SchemaResolution {

  /** Guards the descent into same-named union branches against self-referencing schemas. */
  private static final int MAX_DEPTH = 32;

  /** Why a writer schema cannot be read: the dead-letter reason and every problem found. */
  public record Failure(DeadLetterReason reason, String detail) {}

  private record Cause(String path, Incompatibility problem) {}

  private SchemaResolution() {}

  /**
   * Returns null if Avro's schema resolution can read {@code writer}'s data as {@code reader}, or
   * the failure: {@link DeadLetterReason#MISSING_FIELD} when the writer lacks a field the reader
   * has no default for, {@link DeadLetterReason#INVALID_FIELD} for any other incompatibility.
   */
  public static Failure check(Schema reader, Schema writer) {
    List<Cause> causes = new ArrayList<>();
    collect(reader, writer, "", causes, 0);
    if (causes.isEmpty()) {
      return null;
    }
    boolean missingField =
        causes.stream()
            .anyMatch(
                c ->
                    c.problem().getType()
                        == SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE);
    return new Failure(
        missingField ? DeadLetterReason.MISSING_FIELD : DeadLetterReason.INVALID_FIELD,
        causes.stream().map(SchemaResolution::explain).collect(Collectors.joining("; ")));
  }

  /**
   * Collects the incompatibilities of {@code writer} read as {@code reader}. Avro reports a record
   * inside an optional field that changed incompatibly only as a "missing union branch"; such a
   * branch is checked against the reader's branch of the same name, to find the actual cause.
   */
  private static void collect(
      Schema reader, Schema writer, String base, List<Cause> out, int depth) {
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    for (Incompatibility problem : result.getIncompatibilities()) {
      String path = join(base, fieldPath(reader, problem.getLocation()));
      Schema writerBranch =
          problem.getType() == SchemaIncompatibilityType.MISSING_UNION_BRANCH
              ? writerBranch(problem)
              : null;
      Schema sameNamed =
          writerBranch == null ? null : sameNamedBranch(problem.getReaderFragment(), writerBranch);
      if (sameNamed != null && depth < MAX_DEPTH) {
        collect(sameNamed, writerBranch, path, out, depth + 1);
      } else {
        out.add(new Cause(path, problem));
      }
    }
  }

  /** The writer's union branch a missing-branch problem is about: its index ends the location. */
  private static Schema writerBranch(Incompatibility problem) {
    Schema writer = problem.getWriterFragment();
    if (writer.getType() != Schema.Type.UNION) {
      return writer;
    }
    String location = problem.getLocation();
    String last = location.substring(location.lastIndexOf('/') + 1);
    if (!last.matches("\\d+") || Integer.parseInt(last) >= writer.getTypes().size()) {
      return null;
    }
    return writer.getTypes().get(Integer.parseInt(last));
  }

  private static Schema sameNamedBranch(Schema readerUnion, Schema writerBranch) {
    if (readerUnion.getType() != Schema.Type.UNION || !isNamed(writerBranch)) {
      return null;
    }
    for (Schema branch : readerUnion.getTypes()) {
      if (branch.getType() == writerBranch.getType()
          && branch.getFullName().equals(writerBranch.getFullName())) {
        return branch;
      }
    }
    return null;
  }

  private static boolean isNamed(Schema schema) {
    return switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> true;
      default -> false;
    };
  }

  private static String explain(Cause cause) {
    Incompatibility problem = cause.problem();
    if (problem.getType() == SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE) {
      // Avro's location may or may not already end at the missing field.
      String field = problem.getMessage();
      String path =
          cause.path().equals(field) || cause.path().endsWith("." + field)
              ? cause.path()
              : join(cause.path(), field);
      return "the writer lacks field " + path + ", which has no default";
    }
    return (cause.path().isEmpty() ? "" : "field " + cause.path() + ": ")
        + problem.getType()
        + " ("
        + problem.getMessage()
        + ")";
  }

  /**
   * Turns Avro's JSON-pointer-like location ({@code /fields/5/type/fields/2/type}) into field names
   * ({@code subject.caps}); parts it does not recognise are skipped.
   */
  private static String fieldPath(Schema root, String location) {
    StringBuilder path = new StringBuilder();
    Schema schema = root;
    String[] tokens = location.split("/");
    for (int i = 0; i < tokens.length && schema != null; i++) {
      String token = tokens[i];
      if (token.equals("fields")
          && i + 1 < tokens.length
          && schema.getType() == Schema.Type.RECORD
          && tokens[i + 1].matches("\\d+")) {
        int position = Integer.parseInt(tokens[++i]);
        if (position >= schema.getFields().size()) {
          break;
        }
        Schema.Field field = schema.getFields().get(position);
        path.append(path.length() == 0 ? "" : ".").append(field.name());
        schema = field.schema();
      } else if (token.equals("items") && schema.getType() == Schema.Type.ARRAY) {
        path.append("[]");
        schema = schema.getElementType();
      } else if (token.equals("values") && schema.getType() == Schema.Type.MAP) {
        path.append("{}");
        schema = schema.getValueType();
      } else if (token.matches("\\d+") && schema.getType() == Schema.Type.UNION) {
        int branch = Integer.parseInt(token);
        schema = branch < schema.getTypes().size() ? schema.getTypes().get(branch) : null;
      }
    }
    return path.toString();
  }

  private static String join(String base, String path) {
    if (base.isEmpty()) {
      return path;
    }
    if (path.isEmpty()) {
      return base;
    }
    return path.startsWith("[") || path.startsWith("{") ? base + path : base + "." + path;
  }
}
