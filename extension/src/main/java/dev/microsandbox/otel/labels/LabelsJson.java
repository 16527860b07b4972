package dev.microsandbox.otel.labels;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code labels} object of a sandbox's catalog config: {@code {"labels": {"user.id":
 * "alice"}}}. Streams through the config with jackson-core, keeping only the labels: a config is
 * parsed once per distinct text, and the rest of it is never materialised.
 */
final class LabelsJson {

  private static final JsonFactory JSON = new JsonFactory();

  /** Why a config's labels cannot be used. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  private LabelsJson() {}

  /** Labels as parsed, and what was left out of them or cut, for one line naming the sandbox. */
  static final class Parsed {
    final Map<String, String> labels;
    final List<String> notes;

    Parsed(Map<String, String> labels, List<String> notes) {
      this.labels = labels;
      this.notes = notes;
    }
  }

  /**
   * The labels of {@code config}, sorted by key, with the keys {@code keys} keeps, within {@code
   * limits}: reserved keys dropped, the first labels by key kept, values cut; empty when the config
   * has no {@code labels} key.
   *
   * @throws Invalid when the config is not a JSON object, {@code labels} is not an object, or a
   *     label value is not a string
   */
  static Parsed parse(String config, LabelKeys keys, LabelLimits limits) throws Invalid {
    try (JsonParser parser = JSON.createParser(config)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new Invalid("config is not a JSON object");
      }
      Parsed labels = new Parsed(Map.of(), List.of());
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("labels")) {
          labels = labels(parser, value, keys, limits);
        } else {
          parser.skipChildren();
        }
      }
      if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw new Invalid("config is not a single JSON object");
      }
      return labels;
    } catch (JsonProcessingException e) {
      throw new Invalid("config is not valid JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new Invalid("config cannot be read (" + e.getMessage() + ")");
    }
  }

  private static Parsed labels(
      JsonParser parser, JsonToken start, LabelKeys keys, LabelLimits limits)
      throws IOException, Invalid {
    if (start == JsonToken.VALUE_NULL) {
      return new Parsed(Map.of(), List.of());
    }
    if (start != JsonToken.START_OBJECT) {
      throw new Invalid("\"labels\" is " + describe(start) + ", not an object");
    }
    TreeMap<String, String> labels = new TreeMap<>();
    List<String> notes = new ArrayList<>();
    int overCount = 0;
    int cut = 0;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value != JsonToken.VALUE_STRING) {
        throw new Invalid("label \"" + key + "\" is " + describe(value) + ", not a string");
      }
      if (!keys.keep(key)) {
        continue;
      }
      String reserved = keys.reservedAs(key);
      if (reserved != null) {
        notes.add(
            "label '"
                + key
                + "' is dropped: as Prometheus names it, it would pass for the reserved "
                + reserved);
        continue;
      }
      String text = parser.getText();
      String kept = limits.cut(text);
      cut += kept.length() < text.length() ? 1 : 0;
      labels.put(key, kept);
      if (labels.size() > limits.maxLabels()) { // keep the first by key, in bounded memory
        labels.pollLastEntry();
        overCount++;
      }
    }
    if (overCount > 0) {
      notes.add(
          overCount
              + " labels over the limit of "
              + limits.maxLabels()
              + " per sandbox are dropped (the last by key; OTEL_ATTRIBUTE_COUNT_LIMIT)");
    }
    if (cut > 0) {
      notes.add(
          cut
              + " label values are cut to "
              + limits.maxValueLength()
              + " characters (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT)");
    }
    return new Parsed(
        labels.isEmpty() ? Map.of() : Collections.unmodifiableMap(labels), List.copyOf(notes));
  }

  private static String describe(JsonToken token) {
    switch (token) {
      case START_ARRAY:
        return "an array";
      case START_OBJECT:
        return "an object";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return token.name();
    }
  }
}
