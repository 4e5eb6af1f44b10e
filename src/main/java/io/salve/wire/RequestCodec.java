package io.salve.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * Decodes and validates one inference request (a Kafka record value or an HTTP body) into an
 * {@link InferenceRequest} for a model with input {@code C x H x W} ({@link InputSpec}) and {@code numClasses}
 * classes.
 *
 * <p>Request JSON ({@code schemas/request.schema.json}):
 * <pre>{@code
 * {"id": "r-1", "model": "demo", "label": 3,
 *  "tensor": {"dtype": "uint8", "shape": [1, 28, 28], "data": "<base64 of C*H*W bytes>"}}
 * {"id": "r-2", "image": "<base64 PNG or JPEG>"}
 * }</pre>
 * {@code id} is required. The input is exactly one of {@code tensor} (dtype {@code uint8}: bytes scaled by 1/255;
 * {@code float32}: little-endian, finite, in [0, 1]; shape {@code [C,H,W]} or {@code [1,C,H,W]}) or {@code image}
 * (any size, grey or colour: converted to grey or RGB for C = 1 or 3 and resized by the bundle's policy, squash or
 * shorter-side-crop, through {@link InputSpec#pixels} as the offline commands do). {@code label} (optional) is a
 * class index; {@code model} (optional) must name the codec's model. Other fields are ignored. This class reads the envelope; the input is
 * decoded by {@link TensorDecoder} and {@link ImageDecoder}.
 *
 * <p>Every rejection is a {@link BadRequest} with a stable code: {@code TOO_LARGE}, {@code BAD_JSON},
 * {@code MISSING_FIELD}, {@code BAD_FIELD}, {@code BAD_SHAPE}, {@code BAD_DTYPE}, {@code BAD_BASE64},
 * {@code BAD_LENGTH}, {@code NON_FINITE}, {@code OUT_OF_RANGE}, {@code BAD_IMAGE}, {@code BAD_LABEL}.
 * Thread-safe.
 */
public final class RequestCodec implements RequestDecoder {

    /** Longest accepted request id. */
    public static final int MAX_ID_LENGTH = 256;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final InputSpec input;
    private final int[] shape;
    private final int numClasses;
    private final int maxBytes;
    private final String model;

    /**
     * @param input      the bundle's input: its shape {@code [C, H, W]} for tensors, and for images also its resize
     *                   policy (C = 1 or 3 when images are to be accepted)
     * @param numClasses number of classes (labels must lie in {@code [0, numClasses)})
     * @param maxBytes   larger payloads are rejected with {@code TOO_LARGE} before parsing
     * @param model      the model's name, which its requests carry: one naming another model is refused with
     *                   {@code UNKNOWN_MODEL} rather than answered by the wrong model
     */
    public RequestCodec(InputSpec input, int numClasses, int maxBytes, String model) {
        int[] shape = {input.channels(), input.height(), input.width()};
        if (shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0) {
            throw new IllegalArgumentException("input shape must be [C, H, W] with positive sizes, got "
                    + Arrays.toString(shape));
        }
        if (numClasses <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("numClasses and maxBytes must be positive");
        }
        this.input = input;
        this.shape = shape;
        this.numClasses = numClasses;
        this.maxBytes = maxBytes;
        this.model = Objects.requireNonNull(model, "model");
    }

    /** The model input shape {@code [C, H, W]}. */
    public int[] shape() {
        return shape.clone();
    }

    public int numClasses() {
        return numClasses;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** A rejected request: a stable code, a message for the client, and the request id when it could be read. */
    public static final class BadRequest extends Exception {
        private final String code;
        private final String id;

        public BadRequest(String code, String message, String idIfKnown) {
            super(message, null, false, false);   // expected on the hot path: no stack trace
            this.code = code;
            this.id = idIfKnown;
        }

        public String code() {
            return code;
        }

        /** The request id, or null when the payload was rejected before its id could be read. */
        public String id() {
            return id;
        }
    }

    /**
     * Decodes one request.
     *
     * @param json          the raw payload (UTF-8 JSON); null is treated as empty
     * @param receivedNanos {@link System#nanoTime()} when the edge received it
     * @throws BadRequest when the payload is not a valid request for this model
     */
    @Override
    public InferenceRequest decode(byte[] json, long receivedNanos) throws BadRequest {
        JsonNode root = parse(json, maxBytes);
        String id = id(root);
        String named = model(root, id);
        if (named != null && !model.equals(named)) {
            throw new BadRequest("UNKNOWN_MODEL", "this codec decodes model \"" + model + "\", not \""
                    + JsonFields.abbreviate(named) + "\"", id);
        }
        return decode(root, id, receivedNanos);
    }

    /** The payload as a JSON object, refused when too large, empty or not an object. */
    static JsonNode parse(byte[] json, int maxBytes) throws BadRequest {
        if (json == null || json.length == 0) {
            throw new BadRequest("BAD_JSON", "empty payload: expected a JSON object", null);
        }
        if (json.length > maxBytes) {
            throw new BadRequest("TOO_LARGE", "payload is " + json.length + " bytes, the limit is " + maxBytes, null);
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadRequest("BAD_JSON", "not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw new BadRequest("BAD_JSON", "not valid JSON: " + e.getMessage(), null);
        }
        if (root == null || !root.isObject()) {
            throw new BadRequest("BAD_JSON", "expected a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().name().toLowerCase()), null);
        }
        return root;
    }

    /** The {@code model} the request names, or null when it names none. */
    static String model(JsonNode root, String id) throws BadRequest {
        JsonNode model = JsonFields.present(root, "model");
        if (model != null && !model.isTextual()) {
            throw new BadRequest("BAD_FIELD", "\"model\" must be a string", id);
        }
        return model == null ? null : model.textValue();
    }

    /** The rest of a request whose envelope ({@code id}, {@code model}) was read, for this codec's model. */
    InferenceRequest decode(JsonNode root, String id, long receivedNanos) throws BadRequest {
        Integer label = label(root, id);
        JsonNode tensor = JsonFields.present(root, "tensor");
        JsonNode image = JsonFields.present(root, "image");
        float[] pixels;
        if (tensor != null && image != null) {
            throw new BadRequest("BAD_FIELD", "give the input as either \"tensor\" or \"image\", not both", id);
        } else if (tensor != null) {
            pixels = TensorDecoder.decode(tensor, shape, id);
        } else if (image != null) {
            pixels = image(image, id);
        } else {
            throw new BadRequest("MISSING_FIELD", "missing the input: \"tensor\" {dtype, shape, data} or \"image\" "
                    + "(base64 PNG/JPEG)", id);
        }
        return new InferenceRequest(id, model, pixels, label, receivedNanos);
    }

    static String id(JsonNode root) throws BadRequest {
        JsonNode n = JsonFields.present(root, "id");
        if (n == null) {
            throw new BadRequest("MISSING_FIELD", "missing \"id\" (a string that the result echoes)", null);
        }
        if (!n.isTextual()) {
            throw new BadRequest("BAD_FIELD", "\"id\" must be a string, got " + n.getNodeType().name().toLowerCase(),
                    null);
        }
        String id = n.textValue();
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new BadRequest("BAD_FIELD", "\"id\" must be 1 to " + MAX_ID_LENGTH + " characters long", null);
        }
        return id;
    }

    private Integer label(JsonNode root, String id) throws BadRequest {
        JsonNode n = JsonFields.present(root, "label");
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber()) {
            throw new BadRequest("BAD_FIELD", "\"label\" must be an integer class index", id);
        }
        if (!n.canConvertToInt() || n.intValue() < 0 || n.intValue() >= numClasses) {
            throw new BadRequest("BAD_LABEL", "\"label\" " + n.asText() + " is not a class index in [0, "
                    + numClasses + ")", id);
        }
        return n.intValue();
    }

    private float[] image(JsonNode node, String id) throws BadRequest {
        if (!node.isTextual()) {
            throw new BadRequest("BAD_FIELD", "\"image\" must be a base64 string of a PNG or JPEG file", id);
        }
        if (!ImageDecoder.supports(input)) {
            throw new BadRequest("BAD_FIELD", "this model takes " + shape[0] + "-channel input: send a \"tensor\"",
                    id);
        }
        byte[] file = JsonFields.base64(node.textValue(), "image", id);
        try {
            return ImageDecoder.decode(file, input);
        } catch (BadRequest e) {
            throw new BadRequest(e.code(), e.getMessage(), id);   // the decoder knows files, not requests
        }
    }

    // ------------------------------------------------------------------------------------------ encoding (clients)

    /** A request with a {@code uint8} tensor ({@code shape} = [C,H,W], {@code pixels} channel-first bytes). */
    public static byte[] encodeUint8(String id, int[] shape, byte[] pixels, int offset, Integer label) {
        return encodeUint8(id, null, shape, pixels, offset, label);
    }

    /** As {@link #encodeUint8(String, int[], byte[], int, Integer)}, for {@code model} (null: the default model). */
    public static byte[] encodeUint8(String id, String model, int[] shape, byte[] pixels, int offset, Integer label) {
        int n = shape[0] * shape[1] * shape[2];
        byte[] data = Arrays.copyOfRange(pixels, offset, offset + n);
        return encodeTensor(id, model, "uint8", shape, data, label);
    }

    /** A request with a {@code float32} tensor (little-endian). */
    public static byte[] encodeFloat32(String id, int[] shape, float[] pixels, Integer label) {
        ByteBuffer buf = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : pixels) {
            buf.putFloat(v);
        }
        return encodeTensor(id, null, "float32", shape, buf.array(), label);
    }

    /** A request with an encoded PNG or JPEG image. */
    public static byte[] encodeImage(String id, byte[] imageFile, Integer label) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("id", id);
        root.put("image", Base64.getEncoder().encodeToString(imageFile));
        if (label != null) {
            root.put("label", label);
        }
        return write(root);
    }

    private static byte[] encodeTensor(String id, String model, String dtype, int[] shape, byte[] data,
                                       Integer label) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("id", id);
        if (model != null) {
            root.put("model", model);
        }
        ObjectNode t = root.putObject("tensor");
        t.put("dtype", dtype);
        ArrayNode s = t.putArray("shape");
        for (int d : shape) {
            s.add(d);
        }
        t.put("data", Base64.getEncoder().encodeToString(data));
        if (label != null) {
            root.put("label", label);
        }
        return write(root);
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
