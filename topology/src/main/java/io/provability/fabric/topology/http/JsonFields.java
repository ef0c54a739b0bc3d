package io.provability.fabric.topology.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict reading of one JSON object: every field must be known, of the expected type, and present
 * when required. Each failure is a 400 {@link BadRequest} naming the field's path.
 */
final class JsonFields {
  private final JsonNode node;
  private final String path;

  private JsonFields(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** The object at {@code path}, whose field names must all be in {@code allowed}. */
  static JsonFields object(JsonNode node, String path, Set<String> allowed) {
    if (node == null || !node.isObject()) {
      throw new BadRequest(400, path, "expected a JSON object, got " + kind(node));
    }
    for (String name : (Iterable<String>) node::fieldNames) {
      if (!allowed.contains(name)) {
        throw new BadRequest(
            400,
            path + "." + name,
            "unknown field '" + name + "' (known: " + new TreeSet<>(allowed) + ")");
      }
    }
    return new JsonFields(node, path);
  }

  String at(String field) {
    return path + "." + field;
  }

  JsonNode raw(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  String string(String field) {
    String v = optionalString(field);
    if (v == null) {
      throw missing(field, "a string");
    }
    return v;
  }

  /**
   * A required identity field (tenant, subject): present and not blank, because the topology
   * dead-letters a request without one and no decision would ever answer it.
   */
  String identity(String field) {
    String v = string(field);
    if (v.isBlank()) {
      throw new BadRequest(400, at(field), "required field '" + field + "' is blank");
    }
    return v;
  }

  String optionalString(String field) {
    JsonNode v = raw(field);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw wrongType(field, "a string", v);
    }
    return v.textValue();
  }

  boolean bool(String field) {
    JsonNode v = raw(field);
    if (v == null) {
      throw missing(field, "true or false");
    }
    if (!v.isBoolean()) {
      throw wrongType(field, "true or false", v);
    }
    return v.booleanValue();
  }

  double number(String field) {
    Double v = optionalNumber(field);
    if (v == null) {
      throw missing(field, "a number");
    }
    return v;
  }

  Double optionalNumber(String field) {
    JsonNode v = raw(field);
    if (v == null) {
      return null;
    }
    if (!v.isNumber()) {
      throw wrongType(field, "a number", v);
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw new BadRequest(400, at(field), "expected a finite number");
    }
    return d;
  }

  List<String> strings(String field, boolean required) {
    JsonNode v = raw(field);
    if (v == null) {
      if (required) {
        throw missing(field, "an array of strings");
      }
      return List.of();
    }
    if (!v.isArray()) {
      throw wrongType(field, "an array of strings", v);
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      if (item == null || !item.isTextual()) {
        throw new BadRequest(
            400, at(field) + "[" + i + "]", "expected a string, got " + kind(item));
      }
      out.add(item.textValue());
    }
    return out;
  }

  /** The array at {@code field} (empty when absent and not required). */
  List<JsonNode> array(String field, boolean required) {
    JsonNode v = raw(field);
    if (v == null) {
      if (required) {
        throw missing(field, "an array");
      }
      return List.of();
    }
    if (!v.isArray()) {
      throw wrongType(field, "an array", v);
    }
    List<JsonNode> out = new ArrayList<>(v.size());
    v.forEach(out::add);
    return out;
  }

  /**
   * A free-form object of arguments as a string map: string values as they are, any other JSON
   * value as its compact JSON text (args are free-form).
   */
  Map<String, String> stringMap(String field) {
    JsonNode v = raw(field);
    if (v == null) {
      return Map.of();
    }
    if (!v.isObject()) {
      throw wrongType(field, "an object", v);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      out.put(
          e.getKey(),
          e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
    }
    return out;
  }

  BadRequest missing(String field, String expected) {
    return new BadRequest(
        400, at(field), "required field '" + field + "' is missing (expected " + expected + ")");
  }

  BadRequest wrongType(String field, String expected, JsonNode got) {
    return new BadRequest(400, at(field), "expected " + expected + ", got " + kind(got));
  }

  static String kind(JsonNode n) {
    if (n == null || n.isNull()) {
      return "null";
    }
    if (n.isObject()) {
      return "an object";
    }
    if (n.isArray()) {
      return "an array";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isNumber()) {
      return "a number";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    return n.getNodeType().toString().toLowerCase(Locale.ROOT);
  }
}
