package io.engram;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every YAML and JSON file under deploy/ parses, and the pieces reference what the service exposes. */
class DeployFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> yamlDocuments(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    @Test
    void everyYamlAndJsonFile_parses() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("deploy"))) {
            files = s.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(8);
        for (Path f : files) {
            if (f.toString().endsWith(".json")) {
                assertThat(JSON.readTree(f.toFile())).as(f.toString()).isNotNull();
            } else {
                assertThat(yamlDocuments(f)).as(f.toString()).isNotEmpty();
            }
        }
    }

    @Test
    void kubernetesManifests_haveKindsNamesAndProbesOnTheHealthEndpoints() throws IOException {
        for (String name : List.of("deployment.yaml", "deployment-gpu.yaml")) {
            JsonNode d = yamlDocuments(Path.of("deploy/k8s", name)).get(0);
            assertThat(d.get("kind").asText()).isEqualTo("Deployment");
            JsonNode container = d.at("/spec/template/spec/containers/0");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        }
        JsonNode gpu = yamlDocuments(Path.of("deploy/k8s/deployment-gpu.yaml")).get(0);
        assertThat(gpu.at("/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
        List<JsonNode> topics = yamlDocuments(Path.of("deploy/strimzi/topics.yaml"));
        assertThat(topics).extracting(t -> t.at("/metadata/name").asText())
                .containsExactlyInAnyOrder("engram.examples", "engram.models", "engram.model-chunks", "engram.metrics", "engram.dlq",
                        "engram.state");
        for (JsonNode t : topics) {
            assertThat(t.get("kind").asText()).isEqualTo("KafkaTopic");
            if (t.at("/metadata/name").asText().matches("engram\\.(models|model-chunks|state)")) {
                assertThat(t.at("/spec/config/cleanup.policy").asText()).isEqualTo("compact");
            }
        }
        int examplePartitions = topics.stream().filter(t -> t.at("/metadata/name").asText().equals("engram.examples")).findFirst()
                .orElseThrow().at("/spec/partitions").asInt();
        int statePartitions = topics.stream().filter(t -> t.at("/metadata/name").asText().equals("engram.state")).findFirst()
                .orElseThrow().at("/spec/partitions").asInt();
        assertThat(statePartitions).as("engram.state partition p holds the snapshots of examples partition p").isEqualTo(examplePartitions);
        // scale-out: more than one replica, a disruption budget, and lag scaling bounded by the partitions
        JsonNode deployment = yamlDocuments(Path.of("deploy/k8s/deployment.yaml")).get(0);
        assertThat(deployment.at("/spec/replicas").asInt()).isGreaterThan(1);
        JsonNode pdb = yamlDocuments(Path.of("deploy/k8s/pdb.yaml")).get(0);
        assertThat(pdb.get("kind").asText()).isEqualTo("PodDisruptionBudget");
        assertThat(pdb.at("/spec/selector/matchLabels/app").asText()).isEqualTo("engram");
        JsonNode keda = yamlDocuments(Path.of("deploy/k8s/keda.yaml")).get(0);
        assertThat(keda.get("kind").asText()).isEqualTo("ScaledObject");
        assertThat(keda.at("/spec/maxReplicaCount").asInt()).isLessThanOrEqualTo(examplePartitions);
        assertThat(keda.at("/spec/triggers/0/metadata/topic").asText()).isEqualTo("engram.examples");
    }

    @Test
    void alertsAndDashboard_useMetricsTheServiceExposes() throws IOException {
        String alerts = Files.readString(Path.of("deploy/prometheus/alerts.yaml"));
        JsonNode rules = yamlDocuments(Path.of("deploy/prometheus/alerts.yaml")).get(0).at("/groups/0/rules");
        assertThat(rules.size()).isGreaterThanOrEqualTo(4);
        for (JsonNode rule : rules) {
            assertThat(rule.get("expr").asText()).isNotBlank();
        }
        for (String metric : List.of("engram_consumer_lag_records", "engram_forgetting", "engram_examples_rejected_total")) {
            assertThat(alerts).contains(metric);
        }
        JsonNode dashboard = JSON.readTree(Path.of("deploy/grafana/engram-dashboard.json").toFile());
        assertThat(dashboard.get("panels").size()).isGreaterThanOrEqualTo(6);
        assertThat(dashboard.toString()).contains("engram_task_accuracy").contains("engram_model_version").contains("engram_consumer_lag_records");
    }
}
