package io.engram.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dashboard page's own script, run in node (src/test/resources/dashboard/render.js) against API
 * answers whose every string (model id, task names, row names, formulas, trigger, aliases, Kafka
 * address) is hostile: no element, no attribute breaks out, and the text is shown escaped.
 */
class DashboardEscapingTest {

    private static final Path NODE = Path.of("/usr/bin/node");
    private static final String HOSTILE = "<img src=x onerror=alert(1)>\" onmouseover=\"alert(2)";
    private static final String ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&quot; onmouseover=&quot;alert(2)";

    @Test
    void everyStringFromProducersIsEscaped() throws Exception {
        boolean installed = Files.isExecutable(NODE);
        if (System.getenv("ENGRAM_REQUIRE_CHROMIUM") != null) {
            assertThat(installed).as("node is required here: apt-get install nodejs").isTrue();
        }
        assumeTrue(installed, "node is not installed (apt-get install nodejs)");
        Process p = new ProcessBuilder(NODE.toString(), "src/test/resources/dashboard/render.js",
                "src/main/resources/META-INF/resources/index.html", HOSTILE).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("node exit code; output %s", out).isZero();
        JsonNode elements = new ObjectMapper().readTree(out);
        for (String id : List.of("model", "heatmap", "figures", "task-curves", "versions")) {
            String html = elements.path(id).path("html").asText();
            assertThat(html).as("#%s rendered", id).isNotEmpty().contains(ESCAPED).doesNotContain("<img").doesNotContain("\" onmouseover=\"");
        }
        for (var it = elements.fields(); it.hasNext();) {
            var e = it.next();
            assertThat(e.getValue().path("html").asText()).as("#%s", e.getKey()).doesNotContain("<img").doesNotContain("\" onmouseover=\"");
        }
        assertThat(elements.path("heatmap").path("html").asText().split("class=\"heatmap-row\"", -1)).as("heatmap rows + 1").hasSize(3);
    }
}
