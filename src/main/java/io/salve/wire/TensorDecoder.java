package io.salve.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The request's {@code tensor} object {@code {dtype, shape, data}} to model input: {@code uint8} bytes scaled by
 * 1/255, or little-endian {@code float32} that must be finite and in [0, 1]; shape {@code [C,H,W]} or
 * {@code [1,C,H,W]}. Rejections are {@link RequestCodec.BadRequest}s with the codes of {@link RequestCodec}.
 */
final class TensorDecoder {

    private TensorDecoder() { }

    /**
     * @param shape the model's input shape {@code [C, H, W]}
     * @param id    the request id, for the rejection
     * @return {@code C*H*W} intensities in [0, 1], channel-first
     */
    static float[] decode(JsonNode t, int[] shape, String id) throws RequestCodec.BadRequest {
        if (!t.isObject()) {
            throw new RequestCodec.BadRequest("BAD_FIELD", "\"tensor\" must be an object {dtype, shape, data}", id);
        }
        JsonNode dtypeNode = JsonFields.required(t, "tensor.dtype", "dtype", id);
        if (!dtypeNode.isTextual()) {
            throw new RequestCodec.BadRequest("BAD_FIELD", "\"tensor.dtype\" must be a string", id);
        }
        String dtype = dtypeNode.textValue();
        int elementSize;
        if ("uint8".equals(dtype)) {
            elementSize = 1;
        } else if ("float32".equals(dtype)) {
            elementSize = 4;
        } else {
            throw new RequestCodec.BadRequest("BAD_DTYPE", "\"tensor.dtype\" must be \"uint8\" or \"float32\", got \""
                    + JsonFields.abbreviate(dtype) + "\"", id);
        }
        checkShape(JsonFields.required(t, "tensor.shape", "shape", id), shape, id);
        JsonNode dataNode = JsonFields.required(t, "tensor.data", "data", id);
        if (!dataNode.isTextual()) {
            throw new RequestCodec.BadRequest("BAD_FIELD", "\"tensor.data\" must be a base64 string", id);
        }
        byte[] data = JsonFields.base64(dataNode.textValue(), "tensor.data", id);
        int n = shape[0] * shape[1] * shape[2];
        if (data.length != (long) n * elementSize) {
            throw new RequestCodec.BadRequest("BAD_LENGTH", "\"tensor.data\" holds " + data.length + " bytes, shape "
                    + shape[0] + "x" + shape[1] + "x" + shape[2] + " of " + dtype + " needs " + (long) n * elementSize,
                    id);
        }
        return elementSize == 1 ? uint8(data, n) : float32(data, n, id);
    }

    private static float[] uint8(byte[] data, int n) {
        float[] pixels = new float[n];
        for (int i = 0; i < n; i++) {
            pixels[i] = (data[i] & 0xff) / 255f;
        }
        return pixels;
    }

    private static float[] float32(byte[] data, int n, String id) throws RequestCodec.BadRequest {
        float[] pixels = new float[n];
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = buf.getFloat();
            if (!Float.isFinite(v)) {
                throw new RequestCodec.BadRequest("NON_FINITE", "\"tensor.data\" element " + i + " is " + v, id);
            }
            if (v < 0f || v > 1f) {
                throw new RequestCodec.BadRequest("OUT_OF_RANGE", "\"tensor.data\" element " + i + " is " + v
                        + ", intensities must lie in [0, 1]", id);
            }
            pixels[i] = v;
        }
        return pixels;
    }

    /** Accepts {@code [C,H,W]} and {@code [1,C,H,W]}. */
    private static void checkShape(JsonNode node, int[] want, String id) throws RequestCodec.BadRequest {
        if (!node.isArray()) {
            throw new RequestCodec.BadRequest("BAD_FIELD", "\"tensor.shape\" must be an array of integers", id);
        }
        int[] got = new int[node.size()];
        for (int i = 0; i < got.length; i++) {
            JsonNode d = node.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt()) {
                throw new RequestCodec.BadRequest("BAD_FIELD", "\"tensor.shape\" must be an array of integers", id);
            }
            got[i] = d.intValue();
        }
        boolean ok = Arrays.equals(got, want)
                || (got.length == 4 && got[0] == 1 && Arrays.equals(Arrays.copyOfRange(got, 1, 4), want));
        if (!ok) {
            throw new RequestCodec.BadRequest("BAD_SHAPE", "\"tensor.shape\" is " + Arrays.toString(got)
                    + ", the model takes " + Arrays.toString(want) + " (C, H, W)", id);
        }
    }
}
