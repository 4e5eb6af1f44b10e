package io.salve.app;

import io.salve.http.OperatorApi;
import io.salve.kafka.KafkaConfig;
import io.salve.serve.Guardian;
import io.salve.serve.ServeConfig;
import io.salve.telemetry.ServiceMetrics;
import io.salve.telemetry.TelemetryConfig;
import io.salve.telemetry.TelemetryMetrics;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * What every loaded model is wired into: the actor system, the broker, the metrics and the operator API.
 *
 * @param windowRecords the producer of every model's window records (null when telemetry and diagnostics are off)
 */
record ServiceWiring(ActorSystem<Guardian.Command> system, ServeConfig serve, TelemetryConfig observe,
                     KafkaConfig kafka, KafkaProducer<String, byte[]> windowRecords, ServiceMetrics metrics,
                     TelemetryMetrics telemetryMetrics, Executor blocking, OperatorApi api) {
}
