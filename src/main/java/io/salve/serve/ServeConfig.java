package io.salve.serve;

import ai.djl.engine.Engine;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import io.salve.core.SalveException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code salve} block of the configuration, read once at start-up.
 *
 * @param models    {@code salve.models}: the model repository directory (null: only {@code bundle} is served)
 * @param perDevice {@code salve.replicas.per-device}: replicas on each device (Triton's instance-group count)
 * @param faults    {@code salve.replicas.fault-injection}: failures injected into the replicas' models (off by default)
 */
public record ServeConfig(Path bundle, Path models, boolean buildDemoIfMissing, Path dataDir, String engine, List<String> devices,
                          int perDevice, ReplicaPool.Settings batching, FaultInjection faults, String httpHost,
                          int httpPort, double demoTrafficRate) {

    public static final String DISPATCHER = "salve.replica-dispatcher";

    /** One replica to start: its name (in results and metrics) and its device. */
    public record Slot(String name, String device) {
    }

    public static ServeConfig from(Config root) {
        try {
            return read(root.getConfig("salve"));
        } catch (ConfigException e) {
            // A wrong type or a missing key (e.g. per-device = "two") is the operator's to fix, like a bad value.
            throw new SalveException("BAD_CONFIG", e.getMessage(), e);
        }
    }

    private static ServeConfig read(Config c) {
        String dataDir = c.getString("data-dir");
        int maxBatch = c.getInt("batching.max-batch");
        if (maxBatch <= 0) {
            throw new SalveException("BAD_CONFIG", "salve.batching.max-batch must be positive, was " + maxBatch);
        }
        int perDevice = c.getInt("replicas.per-device");
        if (perDevice <= 0) {
            throw new SalveException("BAD_CONFIG", "salve.replicas.per-device must be positive, was " + perDevice);
        }
        String models = c.getString("models");
        return new ServeConfig(Path.of(c.getString("bundle")), models.isBlank() ? null : Path.of(models),
                c.getBoolean("build-demo-if-missing"),
                dataDir.isBlank() ? null : Path.of(dataDir), c.getString("engine"), devices(c), perDevice,
                new ReplicaPool.Settings(maxBatch, c.getDuration("batching.max-delay"),
                        c.getInt("batching.max-outstanding"), c.getInt("replicas.max-attempts"), DISPATCHER),
                new FaultInjection(c.getInt("replicas.fault-injection.fail-every"),
                        c.getBoolean("replicas.fault-injection.poison-blank-images")),
                c.getString("http.host"), c.getInt("http.port"),
                c.getDouble("demo-traffic-rate"));
    }

    /** {@code perDevice} replicas per device, named after it: {@code cpu}, or {@code cpu-0}, {@code cpu-1}, ... */
    public List<Slot> replicas() {
        List<Slot> slots = new ArrayList<>();
        for (String device : devices) {
            for (int i = 0; i < perDevice; i++) {
                slots.add(new Slot(perDevice == 1 ? device : device + "-" + i, device));
            }
        }
        return slots;
    }

    /** {@code auto}: every visible GPU, else the CPU. */
    private static List<String> devices(Config c) {
        if (c.getValue("replicas.devices").valueType() == ConfigValueType.LIST) {
            List<String> list = c.getStringList("replicas.devices");
            if (list.isEmpty()) {
                throw new SalveException("BAD_CONFIG", "salve.replicas.devices is empty: name at least one device");
            }
            return list;
        }
        String value = c.getString("replicas.devices");
        if (!"auto".equals(value)) {
            return List.of(value);
        }
        int gpus = Engine.getInstance().getGpuCount();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            list.add("gpu" + i);
        }
        return list.isEmpty() ? List.of("cpu") : list;
    }
}
