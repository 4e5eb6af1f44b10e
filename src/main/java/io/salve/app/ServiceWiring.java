package io.salve.app;

import io.salve.http.OperatorApi;
import io.salve.kafka.KafkaConfig;
import io.salve.serve.Guardian;
import io.salve.serve.ServeConfig;
import io.salve.telemetry.ServiceMetrics;
import io.salve.telemetry.TelemetryConfig;
import io.salve.telemetry.TelemetryMetrics;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;

/** What every loaded model is wired into: the actor system, the broker, the metrics and the operator API. */
record ServiceWiring(ActorSystem<Guardian.Command> system, ServeConfig serve, TelemetryConfig observe,
                     KafkaConfig kafka, String bootstrap, ServiceMetrics metrics, TelemetryMetrics telemetryMetrics,
                     Executor blocking, OperatorApi api) {
}
