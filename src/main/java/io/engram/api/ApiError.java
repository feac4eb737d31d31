package io.engram.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The error body of docs/contract.md: {@code {"error": code, "message": sentence}} with a 4xx status. */
final class ApiError {

    private ApiError() {
    }

    static Response of(Response.Status status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new Body(code, message)).build();
    }

    /** The error body. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Body(String error, String message) {
    }
}
