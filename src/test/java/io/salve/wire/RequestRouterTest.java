package io.salve.wire;

import io.salve.data.Resize;
import io.salve.serve.InferenceRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RequestRouter}: each request is decoded with its model's codec (shape, classes), the default model's when it
 * names none; a model not served and a body that contradicts the route's model are refused with stable codes.
 */
class RequestRouterTest {

    /** "demo" takes 1x28x28 images of 10 classes (the default); "small" 1x2x2 images of 3 classes. */
    private static final Map<String, RequestCodec> CODECS = Map.of(
            "demo", new RequestCodec(ImageDecoderTest.spec(1, 28, 28, Resize.SQUASH), 10, 1 << 20, "demo"),
            "small", new RequestCodec(ImageDecoderTest.spec(1, 2, 2, Resize.SQUASH), 3, 1 << 20, "small"));
    private final RequestRouter router = new RequestRouter(name -> CODECS.get(name == null ? "demo" : name), 1 << 20);

    private static byte[] request(String id, String model, int side, int label) {
        return RequestCodec.encodeUint8(id, model, new int[] {1, side, side}, new byte[side * side], 0, label);
    }

    @Test
    void eachRequestIsDecodedForTheModelItNamesOrTheDefault() throws Exception {
        InferenceRequest plain = router.decode(request("a", null, 28, 9), 0);
        assertEquals("demo", plain.model());
        assertEquals(28 * 28, plain.pixels().length);
        InferenceRequest small = router.decode(request("b", "small", 2, 2), 0);
        assertEquals("small", small.model());
        assertEquals(4, small.pixels().length);
        // The route's model stands in for the body's when the body names none.
        assertEquals("small", router.decode(request("c", null, 2, 1), 0, "small").model());
    }

    @Test
    void theNamedModelsShapeAndClassesApply() {
        assertEquals("BAD_SHAPE", assertThrows(RequestCodec.BadRequest.class,
                () -> router.decode(request("d", "small", 28, 1), 0)).code());
        // Label 9 is a class of "demo", not of "small" (3 classes).
        assertEquals("BAD_LABEL", assertThrows(RequestCodec.BadRequest.class,
                () -> router.decode(request("e", "small", 2, 9), 0)).code());
    }

    @Test
    void anUnservedModelOrAContradictionIsRefusedWithItsId() {
        RequestCodec.BadRequest unknown = assertThrows(RequestCodec.BadRequest.class,
                () -> router.decode(request("f", "resnet", 28, 1), 0));
        assertEquals("UNKNOWN_MODEL", unknown.code());
        assertEquals("f", unknown.id());
        RequestCodec.BadRequest contradiction = assertThrows(RequestCodec.BadRequest.class,
                () -> router.decode(request("g", "demo", 28, 1), 0, "small"));
        assertEquals("BAD_FIELD", contradiction.code());
        assertEquals("g", contradiction.id());
        RequestRouter empty = new RequestRouter(name -> null, 1 << 20);
        assertEquals("UNKNOWN_MODEL", assertThrows(RequestCodec.BadRequest.class,
                () -> empty.decode(request("h", null, 28, 1), 0)).code());
    }
}
