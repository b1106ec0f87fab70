package io.relaxsd.examples.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Collection;
import java.util.Map;

/**
 * JSON for the command line: one object per line, keys in insertion order (use a
 * {@link java.util.LinkedHashMap}), doubles in full precision. NaN and infinities are not JSON:
 * they are rejected with an error naming the key, never printed.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    /** One line of JSON. */
    public static String line(Object value) {
        checkFinite("", value);
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Indented JSON, for files people read. */
    public static String pretty(Object value) {
        checkFinite("", value);
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static void checkFinite(String path, Object value) {
        if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            throw new IllegalArgumentException("non-finite number " + value + " at '" + path + "'");
        }
        if (value instanceof double[] a) {
            for (int i = 0; i < a.length; i++) {
                checkFinite(path + "[" + i + "]", a[i]);
            }
        } else if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                checkFinite(path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey(), e.getValue());
            }
        } else if (value instanceof Collection<?> c) {
            int i = 0;
            for (Object o : c) {
                checkFinite(path + "[" + i++ + "]", o);
            }
        }
    }
}
