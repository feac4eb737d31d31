package io.engram.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./engram feed --csv}: a real CSV reader (quotes, commas inside them), records built as JSON; picocli refuses bad flags. */
class FeedCsvTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void quotedCells_andLabelsByIndexOrName_becomeWellFormedRecords(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path csv = dir.resolve("feed.csv");
        Files.writeString(csv, "a,b,y\n0.5,1e-3,2\n\"1.5\", 2 ,\"Sneaker, white\"\n\n-1,0,\"x\"\"}\"\n");
        List<byte[]> records = Feed.csv(csv, "q3", "y", "eval");
        assertThat(records).hasSize(3);
        JsonNode first = JSON.readTree(records.get(0));
        assertThat(first.get("task").asText()).isEqualTo("q3");
        assertThat(first.get("split").asText()).isEqualTo("eval");
        assertThat(first.get("y").asInt()).isEqualTo(2);
        assertThat(first.get("x").toString()).isEqualTo("[0.5,0.001]");
        assertThat(JSON.readTree(records.get(1)).get("label").asText()).isEqualTo("Sneaker, white");
        assertThat(JSON.readTree(records.get(1)).get("x").toString()).isEqualTo("[1.5,2.0]");
        assertThat(JSON.readTree(records.get(2)).get("label").asText()).as("a quote cannot break the record").isEqualTo("x\"}");
    }

    @Test
    void aCellThatIsNotANumber_isNamedWithItsLineAndColumn(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path csv = dir.resolve("feed.csv");
        Files.writeString(csv, "a,b,y\n0.5,oops,1\n");
        assertThatThrownBy(() -> Feed.csv(csv, "t", "y", "train")).hasMessageContaining("column 'b'").hasMessageContaining("oops");
        assertThatThrownBy(() -> Feed.csv(csv, "t", "label", "train")).hasMessageContaining("no column 'label'");
    }

    @Test
    void unknownOrMissingFlags_areRefusedWithUsage() {
        CommandLine command = io.engram.command.Commands.of(new Feed());
        java.io.StringWriter err = new java.io.StringWriter();
        command.setErr(new java.io.PrintWriter(err));
        assertThat(command.execute("--file", "x.jsonl", "--bogus", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option").contains("Usage");
        assertThat(command.execute("--model", "m")).as("no source").isEqualTo(2);
        assertThat(command.execute("--file", "a", "--csv", "b")).as("two sources").isEqualTo(2);
    }
}
