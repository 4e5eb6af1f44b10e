package io.salve.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.salve.core.Head;
import io.salve.core.LatentSummary;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.Fixtures;
import io.salve.kafka.JsonSchemas;
import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import io.salve.serve.ServingHead;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObservationJsonTest {

    @Test
    void diagnosticsRecordsValidateAndWriteNeverReachedThresholdsAsNull() throws Exception {
        Random rng = new Random(2);
        Head base = Fixtures.randomHead(rng, 3, 8);
        Sae sae = Fixtures.randomSae(rng, SaeKind.RELU, 8, 4);
        ServingHead head = ServingHead.of(base, sae,
                EditSet.of(new Edit(1, EditMethod.SALVE, Direction.SUPPRESS, 0.5, List.of())), 3)
                .withReferences(new float[0][]);
        int nulls = 0;
        for (float[] a : Fixtures.randomActs(rng, 300, 8, true)) {
            Observation.Diagnosis d = head.suppressions().get(0).diagnose(a);
            float[] z = sae.encode(a);
            InferenceResult r = new InferenceResult("r\"1", "m", head.head().predict(a), "c", List.of(), 3L, "cpu", null,
                    1, null, new Observation(z, LatentSummary.of(z, 2, 0.01), base.predict(a), List.of(d)));
            byte[] json = ObservationJson.diagnostics(r);
            JsonSchemas.DIAGNOSTICS.assertValid(json);
            JsonSchemas.TELEMETRY.assertValid(ObservationJson.telemetry(r));
            JsonNode node = new ObjectMapper().readTree(json);
            assertEquals("r\"1", node.get("id").asText());
            assertEquals(r.prediction() != base.predict(a), node.get("changed").asBoolean());
            JsonNode s = node.get("suppressions").get(0);
            assertEquals(d.flipped(), s.get("flipped").asBoolean());
            if (Double.isInfinite(d.alphaFlip())) {
                assertTrue(s.get("alphaFlip").isNull() && s.get("flipTo").isNull());
                nulls++;
            } else {
                assertEquals(d.alphaFlip(), s.get("alphaFlip").asDouble(), 0);
            }
        }
        assertTrue(nulls > 0, "some samples never flip, so null is exercised");
    }
}
