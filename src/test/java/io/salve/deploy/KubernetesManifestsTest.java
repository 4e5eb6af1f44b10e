package io.salve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.kafka.KafkaConfig;
import io.salve.serve.ServeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The manifests in {@code k8s/} agree with the code: they parse, the kustomization lists files that exist, the
 * mounted configuration is valid for the service, the container port and probes match it, and every environment
 * variable the manifests set is one the configuration (or the image's entry point) reads.
 */
class KubernetesManifestsTest {

    static final Path K8S = Path.of("k8s");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static JsonNode manifest(String file) throws IOException {
        return YAML.readTree(K8S.resolve(file).toFile());
    }

    @Test
    void everyResourceOfTheKustomizationExistsAndParses() throws IOException {
        JsonNode kustomization = manifest("kustomization.yaml");
        assertTrue(kustomization.get("resources").size() >= 5);
        for (JsonNode resource : kustomization.get("resources")) {
            JsonNode doc = manifest(resource.asText());
            assertFalse(doc.path("kind").asText().isEmpty(), resource + " has a kind");
            assertFalse(doc.path("apiVersion").asText().isEmpty(), resource + " has an apiVersion");
        }
    }

    @Test
    void theMountedConfigurationIsValidAndMatchesTheContainer() throws IOException {
        String conf = manifest("configmap.yaml").at("/data/application.conf").asText();
        Config config = ConfigFactory.parseString(conf).withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
        ServeConfig serve = ServeConfig.from(config);
        KafkaConfig kafka = KafkaConfig.from(config);
        assertFalse(kafka.useEmbeddedBroker(), "production talks to an external Kafka cluster");
        assertFalse(serve.buildDemoIfMissing(), "production never trains a demo model in the pod");
        assertEquals("0.0.0.0", serve.httpHost(), "reachable from the kubelet's probes");

        JsonNode container = manifest("deployment.yaml").at("/spec/template/spec/containers/0");
        assertEquals(serve.httpPort(), container.at("/ports/0/containerPort").asInt());
        List<String> args = new ArrayList<>();
        container.get("args").forEach(a -> args.add(a.asText()));
        String configPath = args.get(args.indexOf("--config") + 1);
        String mountPath = null;
        for (JsonNode mount : container.get("volumeMounts")) {
            if (mount.get("name").asText().equals("config")) {
                mountPath = mount.get("mountPath").asText();
            }
        }
        assertEquals(Path.of(mountPath, "application.conf").toString(), configPath);
        assertTrue(Path.of(serve.bundle().toString()).startsWith("/var/lib/salve/bundles"),
                "the bundle lies on the mounted volume: " + serve.bundle());
        for (String probe : List.of("livenessProbe", "readinessProbe")) {
            assertTrue(container.at("/" + probe + "/httpGet/path").asText().startsWith("/health/"), probe);
        }
    }

    @Test
    void everyEnvironmentVariableTheManifestsSetIsReadByTheConfiguration() throws IOException {
        Set<String> read = new HashSet<>();
        Matcher m = Pattern.compile("\\$\\{\\?(\\w+)}").matcher(
                Files.readString(Path.of("src/main/resources/reference.conf")));
        while (m.find()) {
            read.add(m.group(1));
        }
        // The image's entry point reads some (SALVE_JAVA_OPTS) itself.
        Matcher entry = Pattern.compile("\\$(\\w+)").matcher(Files.readString(K8S.resolve("Dockerfile")));
        while (entry.find()) {
            read.add(entry.group(1));
        }
        JsonNode secret = manifest("secret.yaml").get("stringData");
        secret.fieldNames().forEachRemaining(name -> assertTrue(read.contains(name), name + " is read somewhere"));
        for (JsonNode env : manifest("deployment.yaml").at("/spec/template/spec/containers/0/env")) {
            assertTrue(read.contains(env.get("name").asText()), env + " is read somewhere");
        }
    }
}
