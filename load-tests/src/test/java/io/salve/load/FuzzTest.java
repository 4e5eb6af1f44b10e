package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.data.Resize;
import io.salve.model.InputSpec;
import io.salve.wire.RequestCodec;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fuzzer's records are what their kinds say: the service's own request codec, configured as the chaos run
 * configures the demo service, refuses each with one of the codes its kind allows (so a chaos run that sees another
 * code has found a change in the service, not a mislabelled record).
 */
class FuzzTest {

    @Test
    void everyMalformedRecordIsRefusedByTheServicesCodecWithItsKindsCode() {
        RequestCodec codec = new RequestCodec(new InputSpec(1, 28, 28, new float[] {0.5f}, new float[] {0.5f},
                Resize.SQUASH), 10, Chaos.FUZZ_MAX_REQUEST_BYTES, "demo");
        Fuzz fuzz = new Fuzz(7, Chaos.FUZZ_MAX_REQUEST_BYTES);
        Set<String> kinds = new HashSet<>();
        for (int n = 0; n < 34; n++) {
            Fuzz.Record record = fuzz.record(n, "fz-" + n);
            kinds.add(record.kind());
            RequestCodec.BadRequest refused = assertThrows(RequestCodec.BadRequest.class,
                    () -> codec.decode(record.payload(), 0), record.kind());
            assertTrue(record.codes().contains(refused.code()), record.kind() + " -> " + refused.code() + ": "
                    + refused.getMessage());
        }
        assertEquals(17, kinds.size(), kinds.toString());
    }
}
