package io.salve.http;

import ai.djl.Device;
import com.typesafe.config.ConfigFactory;
import io.salve.app.SalveService;
import io.salve.model.Bundle;
import io.salve.serve.BundleBatchModel;
import io.salve.serve.ReplicaPool;
import io.salve.serve.ServingHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the operator API tests share, built once per test run by the first class that needs it (training the bundle
 * and loading a replica takes seconds) and closed after the last: the tiny bundle, an actor test kit on Pekko's
 * in-memory journal, and the replica pool behind /v1/infer.
 */
final class ApiFixture implements ExtensionContext.Store.CloseableResource {

    final Path work;
    final Bundle bundle;
    final String model;
    final ActorTestKit kit = ActorTestKit.create(PersistenceTestKitPlugin.config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
    final ActorRef<ReplicaPool.Command> pool;

    private ApiFixture() {
        try {
            work = Files.createTempDirectory("salve-api-test");
            bundle = TinyBundle.build(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        model = SalveService.modelName(bundle);
        pool = kit.spawn(ReplicaPool.create(List.of(new ReplicaPool.ReplicaSpec("cpu-0", "cpu",
                        () -> new BundleBatchModel(bundle, Device.cpu()))), bundle.metadata().classNames(),
                ServingHead.unedited(bundle.head()), new ReplicaPool.Settings(8, Duration.ofMillis(2), 2, 3,
                        "salve.replica-dispatcher")));
    }

    static ApiFixture of(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(ApiFixture.class, k -> new ApiFixture(), ApiFixture.class);
    }

    @Override
    public void close() throws IOException {
        kit.shutdownTestKit();
        try (Stream<Path> files = Files.walk(work)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
