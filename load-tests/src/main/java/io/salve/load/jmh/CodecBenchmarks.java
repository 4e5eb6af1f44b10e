package io.salve.load.jmh;

import io.salve.data.Resize;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceResult;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** JSON per request: a 28x28 uint8 tensor request decoded, a result encoded and decoded. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CodecBenchmarks {

    private RequestCodec codec;
    private byte[] request;
    private InferenceResult result;
    private byte[] resultJson;

    @Setup
    public void setUp() {
        int[] shape = {1, 28, 28};
        codec = new RequestCodec(new InputSpec(1, 28, 28, new float[] {0}, new float[] {1}, Resize.SQUASH), 10,
                1 << 20, "demo");
        byte[] pixels = new byte[28 * 28];
        new Random(1).nextBytes(pixels);
        request = RequestCodec.encodeUint8("lt-bench-1", shape, pixels, 0, 9);
        List<Float> probabilities = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            probabilities.add(k == 9 ? 0.91f : 0.01f);
        }
        result = new InferenceResult("lt-bench-1", "demo", 9, "Ankle boot", probabilities, 3L, "cpu-0",
                new InferenceResult.Timings(4.1, 1.7, 5.8), 9, null, null);
        resultJson = ResultCodec.encode(result);
    }

    @Benchmark
    public Object requestDecode() throws RequestCodec.BadRequest {
        return codec.decode(request, 0L);
    }

    @Benchmark
    public byte[] resultEncode() {
        return ResultCodec.encode(result);
    }

    @Benchmark
    public InferenceResult resultDecode() {
        return ResultCodec.decode(resultJson);
    }
}
