package io.engram.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** The error body of docs/contract.md: {@code {"error": code, "message": sentence}} with a 4xx status. */
final class ApiError {

    private ApiError() {
    }

    static Response of(Response.Status status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", code, "message", message)).build();
    }
}
