package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemorySamplerTest {

    @Test
    void theHeapIsTheSumOfItsPoolsAndNonHeapIsLeftOut() {
        String text = """
                # HELP jvm_memory_used_bytes The amount of used memory
                # TYPE jvm_memory_used_bytes gauge
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.048576E7
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.24288E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.097152E7
                jvm_memory_used_bytes{area="heap",id="G1 Survivor Space"} 0.0
                salve_requests_in_flight 3.0
                """;
        assertEquals(30.0, MemorySampler.heapUsedMb(text), 1e-9);
        assertTrue(Double.isNaN(MemorySampler.heapUsedMb("salve_requests_in_flight 3.0\n")));
    }
}
