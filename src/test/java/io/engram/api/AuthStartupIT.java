package io.engram.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.support.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Authentication settings of the packaged service: on without users stops start-up naming the key; on with users guards /api/* only. */
class AuthStartupIT {

    @Test
    void authOnWithoutAUsersFileStopsStartupNamingTheKey() throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of("ENGRAM_API_AUTH_ENABLED", "true"))) {
            assertThat(service.awaitExit(Duration.ofSeconds(60))).as("exit code").isNotZero();
            assertThat(service.output()).contains("Invalid setting engram.api.auth.users-file=(unset)")
                    .contains("engram.api.auth.enabled=true");
        }
    }

    @Test
    void authOnGuardsTheApiAndLeavesHealthOpen() throws Exception {
        String users = Path.of("src/test/resources/auth/users.properties").toAbsolutePath().toString();
        try (ServiceProcess service = ServiceProcess.start(Map.of("ENGRAM_API_AUTH_ENABLED", "true", "ENGRAM_API_AUTH_USERS_FILE", users))) {
            service.awaitReady(Duration.ofSeconds(120));
            assertThat(service.get("/api/status").code()).isEqualTo(401);
            assertThat(service.get("/q/health/live").code()).isEqualTo(200);
            HttpResponse<String> ok = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/api/status"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("alice:wonderland".getBytes(StandardCharsets.UTF_8)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as("with alice's password; body %s", ok.body()).isEqualTo(200);
        }
    }
}
