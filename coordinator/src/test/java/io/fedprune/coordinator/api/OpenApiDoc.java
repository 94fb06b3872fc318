package io.fedprune.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's OpenAPI document, read as plain data, and a small checker of real responses against it: the status
 * code is documented for the operation, the content type matches, and a JSON body fits its schema (types, enums,
 * required properties present, no undocumented property).
 */
final class OpenApiDoc {
    private final JsonNode doc;

    OpenApiDoc(String yaml) {
        Object tree = new Yaml().load(yaml);
        this.doc = new ObjectMapper().valueToTree(tree);
    }

    JsonNode operation(String method, String path) {
        JsonNode op = doc.path("paths").path(path).path(method.toLowerCase());
        if (op.isMissingNode()) throw new AssertionError("undocumented operation " + method + " " + path);
        return op;
    }

    /** Every documented operation id. */
    List<String> operationIds() {
        List<String> out = new ArrayList<>();
        doc.path("paths").forEach(p -> p.forEach(op -> out.add(op.path("operationId").asText())));
        return out;
    }

    /** The whole document as a tree (security schemes, info). */
    JsonNode root() {
        return doc;
    }

    /** The error responses (4xx, 5xx) that are not the one error schema as application/json alone, as "METHOD path status: content". */
    List<String> errorsNotJsonError() {
        List<String> out = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op ->
                op.getValue().path("responses").fields().forEachRemaining(r -> {
                    if (r.getKey().startsWith("2")) return;
                    JsonNode content = r.getValue().path("content");
                    List<String> types = new ArrayList<>();
                    content.fieldNames().forEachRemaining(types::add);
                    if (!types.equals(List.of("application/json"))
                            || !content.path("application/json").path("schema").path("$ref").asText().equals("#/components/schemas/Error"))
                        out.add(op.getKey() + " " + p.getKey() + " " + r.getKey() + ": " + content);
                })));
        return out;
    }

    JsonNode schema(String name) {
        return doc.path("components").path("schemas").path(name);
    }

    /** The problems of a real response against the document; empty if it conforms. */
    List<String> check(String method, String path, int status, String contentType, String body) throws Exception {
        List<String> problems = new ArrayList<>();
        JsonNode response = operation(method, path).path("responses").path(String.valueOf(status));
        if (response.isMissingNode()) {
            problems.add(method + " " + path + ": status " + status + " is not documented");
            return problems;
        }
        String type = contentType == null ? "" : contentType.split(";")[0].trim();
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {   // documented without a body
            if (body != null && !body.isEmpty()) problems.add(method + " " + path + " " + status + ": a body where none is documented");
            return problems;
        }
        if (!content.has(type)) {
            problems.add(method + " " + path + " " + status + ": content type " + type + " not documented (" + content.fieldNames().next() + ")");
            return problems;
        }
        JsonNode schema = content.path(type).path("schema");
        if (type.equals("application/json")) validate(new ObjectMapper().readTree(body), schema, method + " " + path + " " + status, problems);
        else if (!schema.path("format").asText().equals("binary")) problems.add(method + " " + path + ": " + type + " should be a binary string");
        return problems;
    }

    private JsonNode resolve(JsonNode schema) {
        String ref = schema.path("$ref").asText("");
        return ref.isEmpty() ? schema : schema(ref.substring(ref.lastIndexOf('/') + 1));
    }

    void validate(JsonNode value, JsonNode schema, String where, List<String> problems) {
        schema = resolve(schema);
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) problems.add(where + ": null but not nullable");
            return;
        }
        if (schema.has("allOf")) {
            for (JsonNode s : schema.path("allOf")) validate(value, s, where, problems);
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) { problems.add(where + ": expected an object, got " + value); return; }
                for (JsonNode req : schema.path("required"))
                    if (!value.has(req.asText())) problems.add(where + ": required property " + req.asText() + " is missing");
                JsonNode props = schema.path("properties");
                JsonNode additional = schema.path("additionalProperties");
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    if (props.has(f.getKey())) validate(f.getValue(), props.path(f.getKey()), where + "." + f.getKey(), problems);
                    else if (additional.isObject()) validate(f.getValue(), additional, where + "." + f.getKey(), problems);
                    else problems.add(where + ": undocumented property " + f.getKey());
                }
            }
            case "array" -> {
                if (!value.isArray()) { problems.add(where + ": expected an array"); return; }
                for (int i = 0; i < value.size(); i++) validate(value.get(i), schema.path("items"), where + "[" + i + "]", problems);
            }
            case "string" -> {
                if (!value.isTextual()) problems.add(where + ": expected a string, got " + value);
                else if (schema.has("enum")) {
                    boolean found = false;
                    for (JsonNode e : schema.path("enum")) found |= e.asText().equals(value.asText());
                    if (!found) problems.add(where + ": " + value + " is not one of " + schema.path("enum"));
                }
            }
            case "integer" -> { if (!value.isIntegralNumber()) problems.add(where + ": expected an integer, got " + value); }
            case "number" -> { if (!value.isNumber()) problems.add(where + ": expected a number, got " + value); }
            case "boolean" -> { if (!value.isBoolean()) problems.add(where + ": expected a boolean, got " + value); }
            case "" -> { }   // any
            default -> problems.add(where + ": unknown schema type " + type);
        }
    }
}
