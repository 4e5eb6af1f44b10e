package io.salve.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The JSON Schemas under src/main/resources/schemas, loaded from the class path, with format assertions on. */
public final class JsonSchemas {

    public static final JsonSchemas REQUEST = new JsonSchemas("request.schema.json");
    public static final JsonSchemas RESULT = new JsonSchemas("result.schema.json");
    public static final JsonSchemas DEAD_LETTER = new JsonSchemas("dead-letter.schema.json");
    public static final JsonSchemas TELEMETRY = new JsonSchemas("telemetry.schema.json");
    public static final JsonSchemas DIAGNOSTICS = new JsonSchemas("diagnostics.schema.json");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Schema schema;

    private JsonSchemas(String name) {
        this.name = name;
        try (InputStream in = JsonSchemas.class.getResourceAsStream("/schemas/" + name)) {
            if (in == null) {
                throw new IllegalStateException("schemas/" + name + " is not on the class path");
            }
            this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> errors(byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            return schema.validate(node, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)))
                    .stream().map(Error::toString).toList();
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
    }

    public void assertValid(byte[] json) {
        assertEquals(List.of(), errors(json), () -> name + " rejects " + new String(json));
    }

    public void assertInvalid(byte[] json) {
        assertFalse(errors(json).isEmpty(), () -> name + " accepts " + new String(json));
    }
}
