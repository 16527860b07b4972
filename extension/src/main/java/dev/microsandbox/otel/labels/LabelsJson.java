package dev.microsandbox.otel.labels;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Collections;
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

  /**
   * The labels of {@code config}, sorted by key, with the keys {@code keys} keeps; empty when the
   * config has no {@code labels} key.
   *
   * @throws Invalid when the config is not a JSON object, {@code labels} is not an object, or a
   *     label value is not a string
   */
  static Map<String, String> parse(String config, LabelKeys keys) throws Invalid {
    try (JsonParser parser = JSON.createParser(config)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new Invalid("config is not a JSON object");
      }
      Map<String, String> labels = Map.of();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("labels")) {
          labels = labels(parser, value, keys);
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

  private static Map<String, String> labels(JsonParser parser, JsonToken start, LabelKeys keys)
      throws IOException, Invalid {
    if (start == JsonToken.VALUE_NULL) {
      return Map.of();
    }
    if (start != JsonToken.START_OBJECT) {
      throw new Invalid("\"labels\" is " + describe(start) + ", not an object");
    }
    TreeMap<String, String> labels = new TreeMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value != JsonToken.VALUE_STRING) {
        throw new Invalid("label \"" + key + "\" is " + describe(value) + ", not a string");
      }
      if (keys.keep(key)) {
        labels.put(key, parser.getText());
      }
    }
    return labels.isEmpty() ? Map.of() : Collections.unmodifiableMap(labels);
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
