package io.salve.http;

import io.salve.serve.InferenceResult;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link InferRoutes}: the Kafka request and result record over HTTP. */
class InferRoutesTest extends ApiTest {

    @Test
    void inferAnswersWithTheResultRecord() throws Exception {
        int n = 5;
        byte[] request = RequestCodec.encodeUint8("r-1", new int[] {1, 28, 28}, testImages.pixels(),
                n * testImages.imageSize(), testImages.labels()[n]);
        Reply reply = call("POST", "/v1/infer", new String(request, StandardCharsets.UTF_8));
        assertEquals(200, reply.status(), reply::toString);
        InferenceResult result = ResultCodec.decode(reply.raw().body());
        assertEquals("r-1", result.id());
        assertEquals(head.predict(test.rows()[n]), result.prediction());
        assertEquals(bundle.metadata().classNames().get(result.prediction()), result.className());
        assertEquals(test.labels()[n], result.label());
        assertEquals(0L, result.editVersion());
        assertEquals(head.numClasses(), result.probabilities().size());

        Reply missing = call("POST", "/v1/infer", "{\"tensor\": {}}").error(400, "MISSING_FIELD");
        assertTrue(missing.json().has("error"));
        call("POST", "/v1/infer", "{\"id\": \"r-2\", \"model\": \"another\", \"image\": \"\"}")
                .error(404, "UNKNOWN_MODEL");
        Reply shape = call("POST", "/v1/infer", new String(RequestCodec.encodeUint8("r-3", new int[] {1, 14, 56},
                testImages.pixels(), 0, null), StandardCharsets.UTF_8)).error(400, "BAD_SHAPE");
        assertEquals("r-3", shape.json().get("id").asText());
    }
}
