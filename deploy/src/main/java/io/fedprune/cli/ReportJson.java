package io.fedprune.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The JSON of the programs' reports ({@code ./fedprune demo}'s report.json, {@code ./fedprune local --json}), written
 * with Jackson: record components by their snake_case names ({@code durationMs} is {@code duration_ms}), map keys as
 * they are, two-space indentation, numbers to six significant digits (whole numbers in full), and NaN or infinity as
 * {@code null} (JSON has neither).
 */
public final class ReportJson {
    private static final DefaultIndenter INDENT = new DefaultIndenter("  ", "\n");
    private static final ObjectWriter WRITER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .registerModule(new SimpleModule()
                    .addSerializer(Double.class, new Number6())
                    .addSerializer(double.class, new Number6())
                    .addSerializer(double[].class, new Numbers6()))
            .writer(new DefaultPrettyPrinter()
                    .withSeparators(Separators.createDefaultInstance()
                            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                            .withObjectEmptySeparator("").withArrayEmptySeparator(""))
                    .withObjectIndenter(INDENT).withArrayIndenter(INDENT));

    private ReportJson() {
    }

    /** {@code value} as indented JSON text, ending in a newline. */
    public static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A number as the reports show it. */
    static void number(double v, JsonGenerator g) throws IOException {
        if (!Double.isFinite(v)) g.writeNull();
        else if (v == Math.rint(v) && Math.abs(v) < 1e15) g.writeNumber((long) v);
        else g.writeNumber(new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros());
    }

    private static final class Number6 extends StdSerializer<Double> {
        Number6() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            number(v, g);
        }
    }

    private static final class Numbers6 extends StdSerializer<double[]> {
        Numbers6() {
            super(double[].class);
        }

        @Override
        public void serialize(double[] a, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartArray(a, a.length);
            for (double v : a) number(v, g);
            g.writeEndArray();
        }
    }
}
