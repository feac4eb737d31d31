package io.engram.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.quarkus.runtime.configuration.DurationConverter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsValidatorTest {

    private static EngramConfig config(Map<String, String> settings) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(EngramConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus's "500ms" form
                .withSources(new PropertiesConfigSource(new HashMap<>(settings), "test", 500))
                .build();
        return config.getConfigMapping(EngramConfig.class);
    }

    @Test
    void defaults_areValid() {
        EngramConfig config = config(Map.of());
        assertThat(SettingsValidator.problems(config)).isEmpty();
        assertThat(config.learner().method()).isEqualTo(LearnerMethod.MER);
        assertThat(config.consolidation().method()).isEqualTo(ConsolidationMethod.KFAC);
        assertThat(config.learner().replayCapacity()).isEqualTo(5120);
        assertThat(config.topicPrefix()).isEqualTo("engram.");
        assertThat(config.model().labels()).hasSize(10).contains("Sneaker");
    }

    @Test
    void kfacLambda_defaultsPerLearningMethod_andASetValueWins() {
        assertThat(io.engram.learn.LearnerSettings.from(config(Map.of())).consolidation().lambda()).as("MER + K-FAC").isEqualTo(1.0);
        assertThat(io.engram.learn.LearnerSettings.from(config(Map.of("engram.learner.method", "er"))).consolidation().lambda())
                .as("ER + K-FAC").isEqualTo(10.0);
        assertThat(io.engram.learn.LearnerSettings.from(config(Map.of("engram.consolidation.lambda", "2"))).consolidation().lambda())
                .isEqualTo(2.0);
    }

    @Test
    void ncl_needsDampingInTheUnitInterval_andTakesItsOwnDefaultLambda() {
        assertThat(SettingsValidator.problems(config(Map.of("engram.consolidation.method", "ncl")))).isEmpty();
        var ncl = io.engram.learn.LearnerSettings.from(config(Map.of("engram.consolidation.method", "ncl"))).consolidation();
        assertThat(ncl.lambda()).isEqualTo(io.engram.consolidate.Consolidators.defaultLambda(ConsolidationMethod.NCL, LearnerMethod.MER));
        assertThat(ncl.damping()).as("NCL's own default δ").isEqualTo(0.1);
        assertThat(io.engram.learn.LearnerSettings.from(config(Map.of())).consolidation().damping()).as("K-FAC's").isEqualTo(0.001);
        assertThat(io.engram.learn.LearnerSettings.from(config(Map.of("engram.consolidation.method", "ncl", "engram.consolidation.damping", "0.5")))
                .consolidation().damping()).isEqualTo(0.5);
        for (String damping : new String[] {"0", "1.5"}) {
            assertThat(SettingsValidator.problems(config(Map.of("engram.consolidation.method", "ncl", "engram.consolidation.damping", damping))))
                    .singleElement().asString().contains("engram.consolidation.damping=" + Double.parseDouble(damping)).contains("(0, 1]");
        }
        assertThat(SettingsValidator.problems(config(Map.of("engram.consolidation.damping", "0")))).as("kfac allows no damping").isEmpty();
    }

    @Test
    void hyphenatedMethodNames_areAccepted() {
        assertThat(config(Map.of("engram.consolidation.method", "online-ewc")).consolidation().method())
                .isEqualTo(ConsolidationMethod.ONLINE_EWC);
    }

    @Test
    void shouldNameKeyValueAndAllowedForNegativeSizes() {
        var problems = SettingsValidator.problems(config(Map.of(
                "engram.learner.replay-capacity", "-5",
                "engram.model.input-size", "0")));
        assertThat(problems).hasSize(2);
        assertThat(problems).anySatisfy(p -> assertThat(p)
                .contains("engram.learner.replay-capacity").contains("-5").contains(">= 0"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("engram.model.input-size=0"));
    }

    @Test
    void shouldRejectLabelsThatDoNotMatchClasses() {
        var problems = SettingsValidator.problems(config(Map.of("engram.model.classes", "3", "engram.model.labels", "a,b")));
        assertThat(problems).singleElement().asString().contains("engram.model.labels").contains("found 2");
    }

    @Test
    void shouldRejectFeaturesThatDoNotMatchInputSize() {
        var problems = SettingsValidator.problems(config(Map.of("engram.model.input-size", "3", "engram.model.features", "a,b")));
        assertThat(problems).singleElement().asString().contains("engram.model.features");
    }

    @Test
    void shouldRejectBadNumbersAndPorts() {
        var problems = SettingsValidator.problems(config(Map.of(
                "engram.learner.learning-rate", "0",
                "engram.consolidation.lambda", "-1",
                "engram.kafka.embedded.port", "70000",
                "engram.topic-prefix", "bad prefix!",
                "engram.ingest.max-record-bytes", "-1")));
        assertThat(problems).hasSize(5);
    }

    @Test
    void check_throwsWithEveryProblem() {
        assertThatThrownBy(() -> SettingsValidator.check(config(Map.of(
                "engram.learner.replay-capacity", "-1", "engram.kafka.topics.partitions", "0"))))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("engram.learner.replay-capacity=-1")
                .hasMessageContaining("engram.kafka.topics.partitions=0");
    }

    @Test
    void unknownMethodName_failsNamingKeyValueAndAllowed() {
        assertThatThrownBy(() -> config(Map.of("engram.learner.method", "sgd")))
                .hasMessageContaining("engram.learner.method")
                .hasMessageContaining("sgd")
                .hasMessageContaining("mer");
    }

    @Test
    void outlierSettings_haveTheirDefaults_andBadValuesNameKeyValueAndAllowed() {
        io.engram.learn.LearnerSettings defaults = io.engram.learn.LearnerSettings.from(config(Map.of()));
        assertThat(defaults.outliers()).isEqualTo(io.engram.learn.LearnerSettings.Outliers.DEFAULT);
        assertThat(SettingsValidator.problems(config(Map.of("engram.learner.clip-norm", "0", "engram.learner.spike-guard", "0"))))
                .isEmpty();
        var problems = SettingsValidator.problems(config(Map.of(
                "engram.learner.clip-norm", "-1",
                "engram.learner.spike-guard", "0.5",
                "engram.learner.spike-guard-warmup", "0")));
        assertThat(problems).hasSize(3);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("engram.learner.clip-norm=-1").contains(">= 0"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("engram.learner.spike-guard=0.5").contains("0 (off) or a finite factor >= 1"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("engram.learner.spike-guard-warmup=0").contains("1 to 1000000"));
        assertThat(SettingsValidator.problems(config(Map.of("engram.consolidation.every-examples", "2000"))))
                .anySatisfy(p -> assertThat(p).contains("engram.consolidation.every-examples=2000").contains("engram.consolidation.samples (1000)"));
    }

    @Test
    void driftSettings_haveTheirDefaults_andBadValuesNameKeyValueAndAllowed() {
        io.engram.learn.LearnerSettings defaults = io.engram.learn.LearnerSettings.from(config(Map.of()));
        assertThat(defaults.drift()).isEqualTo(io.engram.evaluate.DriftDetector.Settings.OFF);
        assertThat(io.engram.learn.LearnerSettings.from(config(Map.of("engram.evaluation.drift.detector", "adwin"))).drift().detection())
                .isEqualTo(DriftDetection.ADWIN);
        var problems = SettingsValidator.problems(config(Map.of(
                "engram.evaluation.drift.detector", "adwin",
                "engram.evaluation.drift.delta", "1",
                "engram.evaluation.drift.min-examples", "-1")));
        assertThat(problems).hasSize(2);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("engram.evaluation.drift.delta=1.0").contains("(0, 1)"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("engram.evaluation.drift.min-examples=-1").contains("0 to 10000000"));
        assertThatThrownBy(() -> config(Map.of("engram.evaluation.drift.detector", "page-hinkley")).evaluation().drift().detector())
                .hasMessageContaining("page-hinkley");
    }

    @Test
    void registryWireFormatSettings_badValuesNameKeyValueAndAllowed() {
        assertThat(config(Map.of()).ingest().avroRegistryWireFormat()).isFalse();
        assertThat(SettingsValidator.problems(config(Map.of("engram.ingest.avro-registry-wire-format", "true",
                "engram.ingest.avro-registry-schema-id", "42")))).isEmpty();
        assertThat(SettingsValidator.problems(config(Map.of("engram.ingest.avro-registry-wire-format", "true",
                "engram.ingest.avro-registry-schema-id", "-1"))))
                .singleElement().asString().contains("engram.ingest.avro-registry-schema-id=-1").contains("0 to 2147483647");
        assertThat(SettingsValidator.problems(config(Map.of("engram.ingest.avro-registry-schema-id", "42"))))
                .singleElement().asString().contains("engram.ingest.avro-registry-schema-id=42")
                .contains("engram.ingest.avro-registry-wire-format is false");
    }

    @Test
    void apiAuthNeedsAUsersFileOfHashedPasswords(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(SettingsValidator.problems(config(Map.of("engram.api.auth.enabled", "true"))))
                .singleElement().asString().contains("engram.api.auth.users-file").contains("engram.api.auth.enabled=true");
        assertThat(SettingsValidator.problems(config(Map.of("engram.api.auth.enabled", "true", "engram.api.auth.users-file", "/no/such/file"))))
                .singleElement().asString().contains("engram.api.auth.users-file=/no/such/file").contains("readable");
        java.nio.file.Path plain = java.nio.file.Files.createFile(dir.resolve("plain.properties"));
        java.nio.file.Files.writeString(plain, "alice=secret\n");
        assertThat(SettingsValidator.problems(config(Map.of("engram.api.auth.enabled", "true", "engram.api.auth.users-file", plain.toString()))))
                .singleElement().asString().contains("engram.api.auth.users-file").contains("SHA-512").contains("'alice'");
        java.nio.file.Path empty = java.nio.file.Files.createFile(dir.resolve("empty.properties"));
        assertThat(SettingsValidator.problems(config(Map.of("engram.api.auth.enabled", "true", "engram.api.auth.users-file", empty.toString()))))
                .singleElement().asString().contains("no users");
        assertThat(SettingsValidator.problems(config(Map.of("engram.api.auth.enabled", "true",
                "engram.api.auth.users-file", java.nio.file.Path.of("src/test/resources/auth/users.properties").toString())))).isEmpty();
        assertThat(SettingsValidator.problems(config(Map.of("engram.api.auth.users-file", "/no/such/file")))).as("auth off").isEmpty();
        assertThat(SettingsValidator.problems(config(Map.of("engram.api.max-body-bytes", "10"))))
                .singleElement().asString().contains("engram.api.max-body-bytes=10");
        assertThat(SettingsValidator.problems(config(Map.of("engram.publish.cached-versions", "0"))))
                .singleElement().asString().contains("engram.publish.cached-versions=0");
    }

    @Test
    void modelLimit_mustFitTheHeap_andTheMessageSaysWhatFits() {
        EngramConfig defaults = config(Map.of());
        long perModel = SettingsValidator.modelBytes(defaults);
        assertThat(perModel).as("estimate for the default model, against 72.8 MB measured").isBetween(70_000_000L, 95_000_000L);
        assertThat(SettingsValidator.problems(defaults, 1L << 30)).as("8 default models in a 1 GiB heap").isEmpty();
        assertThat(SettingsValidator.problems(defaults, 600_000_000L)).singleElement().asString()
                .contains("engram.ingest.max-models=8").contains("at most 5").contains("600 MB heap");
        assertThat(SettingsValidator.problems(config(Map.of("engram.ingest.max-models", "4")), 600_000_000L)).isEmpty();
    }
}
