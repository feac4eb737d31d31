package io.engram.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Authentication on ({@code engram.api.auth.enabled=true} with a users file of SHA-512 hashes):
 * {@code /api/*} answers 401 with a basic challenge without a user or with a wrong password and 200
 * with a right one; health, metrics and the dashboard page stay open.
 */
@QuarkusTest
@TestProfile(AuthIT.AuthOn.class)
class AuthIT {

    public static class AuthOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("engram.api.auth.enabled", "true",
                    "engram.api.auth.users-file", java.nio.file.Path.of("src/test/resources/auth/users.properties").toAbsolutePath().toString());
        }
    }

    @Test
    void apiNeedsAUserAndHealthMetricsAndThePageDoNot() {
        for (String path : new String[] {"/api/status", "/api/models", "/api/models/default/versions/1", "/api/models/default/metrics"}) {
            String challenge = given().get(path).then().statusCode(401).extract().header("WWW-Authenticate");
            assertThat(challenge).as(path).startsWithIgnoringCase("basic").contains("realm=\"engram\"");
            given().auth().preemptive().basic("alice", "wrong").get(path).then().statusCode(401);
            given().auth().preemptive().basic("mallory", "wonderland").get(path).then().statusCode(401);
        }
        given().contentType("application/json").body("{\"x\":[1,2,3,4]}").post("/api/models/default/predict").then().statusCode(401);
        given().auth().preemptive().basic("alice", "wonderland").get("/api/status").then().statusCode(200);
        given().auth().preemptive().basic("bob", "builder").get("/api/models").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/").then().statusCode(200);
    }
}
