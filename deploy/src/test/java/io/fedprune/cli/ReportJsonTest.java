package io.fedprune.cli;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The reports' JSON: snake_case record components, maps and arrays, six significant digits, NaN as null, escaped strings. */
class ReportJsonTest {
    record Row(int round, long durationMs, double accuracy, String note) {
    }

    @Test
    void writesRecordsMapsAndArrays() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", List.of(new Row(1, 250, 0.9731, "a\"b")));
        m.put("keeps", new double[]{0.05, 0.1});
        m.put("nan", Double.NaN);
        m.put("third", List.of(1.0 / 3, 1823.3333333, 250.0, -1e-7));
        m.put("empty", Map.of());
        String expected = """
                {
                  "rows": [
                    {
                      "round": 1,
                      "duration_ms": 250,
                      "accuracy": 0.9731,
                      "note": "a\\"b"
                    }
                  ],
                  "keeps": [
                    0.05,
                    0.1
                  ],
                  "nan": null,
                  "third": [
                    0.333333,
                    1823.33,
                    250,
                    -0.0000001
                  ],
                  "empty": {}
                }
                """;
        assertEquals(expected, ReportJson.write(m));
    }
}
