package io.engram.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.engram.broker.KafkaAccess;
import io.engram.learn.LearnerRegistry;
import io.engram.support.Await;
import io.engram.support.TestRecords;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in headless Chromium (Debian's package): after three task ends of a model the page
 * renders a heatmap with one row per finished task, the figures and the versions; a screenshot is
 * kept in target/dashboard.png.
 */
@QuarkusTest
class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TestHTTPResource("/")
    URL root;

    @Inject
    KafkaAccess kafka;

    @Inject
    LearnerRegistry learners;

    private static List<String> chromium(String... args) {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Path.of("target", "chromium-" + UUID.randomUUID()).toAbsolutePath(),
                "--virtual-time-budget=8000", "--window-size=1400,1000"));
        command.addAll(List.of(args));
        return command;
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return out;
    }

    @Test
    void heatmapHasOneRowPerFinishedTask() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM);
        if (System.getenv("ENGRAM_REQUIRE_CHROMIUM") != null) {
            assertThat(installed).as("chromium is required here (ENGRAM_REQUIRE_CHROMIUM): apt-get install chromium").isTrue();
        }
        assumeTrue(installed, "chromium is not installed (apt-get install chromium); .ci/run installs it");

        String model = "dash-" + UUID.randomUUID().toString().substring(0, 8);
        List<byte[]> records = new ArrayList<>();
        for (int task = 0; task < 3; task++) {
            for (int i = 0; i < 40; i++) {
                int c = i % 3;
                String split = i < 10 ? "eval" : "train";
                records.add(TestRecords.utf8("{\"task\":\"t" + task + "\",\"split\":\"" + split + "\",\"y\":" + c + ",\"x\":["
                        + (c == 0 ? 1 : 0) + "," + (c == 1 ? 1 : 0) + "," + (c == 2 ? 1 : 0) + "," + task + "]}"));
            }
            records.add(TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}"));
        }
        TestRecords.produce(kafka.clients(), kafka.topics().examples(), model, records);
        Await.until(Duration.ofSeconds(90), "3 tasks ended for " + model,
                () -> learners.all().containsKey(model) && learners.all().get(model).status().endedTasks().size() == 3,
                () -> learners.all().containsKey(model) ? learners.all().get(model).status() : "no learner");

        String page = root + "?model=" + model;
        String dom = run(chromium("--dump-dom", page));
        int table = dom.indexOf("<table class=\"heatmap\"");
        String heatmap = table < 0 ? "" : dom.substring(table, dom.indexOf("</table>", table));
        Matcher rows = Pattern.compile("<tr class=\"heatmap-row\">").matcher(heatmap);
        int count = 0;
        while (rows.find()) {
            count++;
        }
        assertThat(count).as("heatmap rows for %s in the rendered page: %s", model, heatmap).isEqualTo(3);
        assertThat(dom).contains("Forgetting").contains("examples");

        Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
        run(chromium("--screenshot=" + screenshot, page));
        assertThat(Files.size(screenshot)).as("screenshot bytes").isGreaterThan(10_000);
    }
}
