package io.salve.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.salve.http.ProtocolBodies.RequestInput;
import io.salve.model.InputSpec;
import java.util.Arrays;
import java.util.List;

/**
 * The input tensor of a {@code /v2} infer request as images of the model: shape {@code [N, C, H, W]} (or
 * {@code [C, H, W]}, one image) with the model's C, H, W and 1 <= N <= {@link #MAX_BATCH}; datatype {@code UINT8}
 * (integers 0..255, scaled by 1/255) or {@code FP32} (intensities already in [0, 1], finite: the same contract as
 * {@code /v1}'s tensors); {@code data} row-major, flat or nested exactly as the shape. Rejections are
 * {@link ApiException}s with the codes BAD_REQUEST, BAD_SHAPE, BAD_DATATYPE, BAD_DATA, NON_FINITE, OUT_OF_RANGE.
 */
final class ProtocolTensors {

    /** Images in one request: each is a request of its own to the replicas, so a batch is bounded like a queue. */
    static final int MAX_BATCH = 256;

    private ProtocolTensors() {
    }

    /** @return N images of {@code C*H*W} intensities in [0, 1], channel-first */
    static float[][] images(RequestInput input, InputSpec spec) {
        if (input.shape() == null || input.datatype() == null || input.data() == null || input.data().isNull()) {
            throw ProtocolErrors.refusal("BAD_REQUEST", "an input needs \"shape\", \"datatype\" and \"data\"");
        }
        boolean uint8 = switch (input.datatype()) {
            case "UINT8" -> true;
            case "FP32" -> false;
            default -> throw ProtocolErrors.refusal("BAD_DATATYPE", "datatype is \"" + input.datatype()
                    + "\", the model takes \"FP32\" (intensities in [0, 1]) or \"UINT8\" (0..255)");
        };
        int[] shape = shape(input.shape(), spec);
        int size = spec.imageSize();
        float[] all = new float[shape.length == 4 ? shape[0] * size : size];
        JsonNode data = input.data();
        if (!data.isArray()) {
            throw ProtocolErrors.refusal("BAD_DATA", "\"data\" must be an array");
        }
        // Flat unless its first element is an array; then it must nest exactly as the shape.
        new Filler(all, uint8, shape).fill(data, data.isEmpty() || !data.get(0).isArray()
                ? new int[] {all.length} : shape, 0);
        float[][] images = new float[all.length / size][];
        for (int i = 0; i < images.length; i++) {
            images[i] = Arrays.copyOfRange(all, i * size, (i + 1) * size);
        }
        return images;
    }

    /** Checks {@code [N, C, H, W]} or {@code [C, H, W]} against the model's {@code [C, H, W]}. */
    private static int[] shape(List<Long> got, InputSpec spec) {
        long[] want = {spec.channels(), spec.height(), spec.width()};
        boolean batched = got.size() == 4;
        boolean ok = (got.size() == 3 || batched) && !got.contains(null);
        for (int i = 0; ok && i < 3; i++) {
            ok = got.get(got.size() - 3 + i) == want[i];
        }
        if (!ok) {
            throw ProtocolErrors.refusal("BAD_SHAPE", "shape is " + got + ", the model takes [N, "
                    + want[0] + ", " + want[1] + ", " + want[2] + "] (N images of C, H, W) or [" + want[0] + ", "
                    + want[1] + ", " + want[2] + "]");
        }
        if (batched && (got.get(0) < 1 || got.get(0) > MAX_BATCH)) {
            throw ProtocolErrors.refusal("BAD_SHAPE", "shape " + got + " has " + got.get(0) + " images, from 1 to "
                    + MAX_BATCH + " are accepted");
        }
        return got.stream().mapToInt(Long::intValue).toArray();
    }

    /** Writes the elements of {@code data} in row-major order, checking each. */
    private static final class Filler {

        private final float[] out;
        private final boolean uint8;
        private final int[] shape;
        private int next;

        Filler(float[] out, boolean uint8, int[] shape) {
            this.out = out;
            this.uint8 = uint8;
            this.shape = shape;
        }

        void fill(JsonNode node, int[] dims, int level) {
            if (level == dims.length) {
                out[next] = value(node);
                next++;
                return;
            }
            if (!node.isArray() || node.size() != dims[level]) {
                String held = node.isArray() ? node.size() + " elements" : abbreviate(node);
                throw ProtocolErrors.refusal("BAD_DATA", "\"data\" of shape " + Arrays.toString(shape) + " must "
                        + "hold " + out.length + " numbers, flat or nested as the shape; " + (dims.length == 1
                        ? "it holds " + held + " flat"
                        : "at depth " + level + " it holds " + held + " where " + dims[level] + " are due"));
            }
            for (JsonNode child : node) {
                fill(child, dims, level + 1);
            }
        }

        private float value(JsonNode node) {
            if (uint8) {
                if (!node.isIntegralNumber()) {
                    throw ProtocolErrors.refusal("BAD_DATA", "UINT8 element " + next + " is " + abbreviate(node)
                            + ", not an integer");
                }
                if (!node.canConvertToInt() || node.intValue() < 0 || node.intValue() > 255) {
                    throw ProtocolErrors.refusal("OUT_OF_RANGE", "UINT8 element " + next + " is " + node
                            + ", outside 0..255");
                }
                return node.intValue() / 255f;
            }
            if (!node.isNumber()) {
                throw ProtocolErrors.refusal("BAD_DATA", "FP32 element " + next + " is " + abbreviate(node)
                        + ", not a number");
            }
            float v = node.floatValue();
            if (!Float.isFinite(v)) {
                throw ProtocolErrors.refusal("NON_FINITE", "FP32 element " + next + " is " + v);
            }
            if (v < 0f || v > 1f) {
                throw ProtocolErrors.refusal("OUT_OF_RANGE", "FP32 element " + next + " is " + v
                        + ", intensities must lie in [0, 1] (or send UINT8 0..255)");
            }
            return v;
        }

        private static String abbreviate(JsonNode node) {
            String s = node.toString();
            return s.length() > 40 ? s.substring(0, 40) + "..." : s;
        }
    }
}
