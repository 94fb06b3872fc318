package io.fedprune.deploy.report;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTest {
    record Row(int round, long durationMs, double accuracy, String note) {
    }

    @Test
    void writesRecordsMapsAndArrays() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", List.of(new Row(1, 250, 0.9731, "a\"b")));
        m.put("keeps", new double[]{0.05, 0.1});
        m.put("nan", Double.NaN);
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
                  "keeps": [0.05, 0.1],
                  "nan": null
                }
                """;
        assertEquals(expected, Json.write(m));
    }
}
