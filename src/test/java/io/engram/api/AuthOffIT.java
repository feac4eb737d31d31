package io.engram.api;

import static io.restassured.RestAssured.given;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Authentication off (the default, as in the embedded demo): {@code /api/*} answers without a user, and credentials are not checked. */
@QuarkusTest
class AuthOffIT {

    @Test
    void apiIsOpenByDefault() {
        given().get("/api/status").then().statusCode(200);
        given().get("/api/models").then().statusCode(200);
        given().auth().preemptive().basic("nobody", "nothing").get("/api/status").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }
}
