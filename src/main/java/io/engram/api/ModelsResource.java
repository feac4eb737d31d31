package io.engram.api;

import io.engram.evaluate.MetricsEvent;
import io.engram.learn.ContinualLearner;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The model consumer's endpoints of CONTRACT.md. */
@Path("/api/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    @Inject
    LearnerRegistry learners;

    @GET
    @Path("{model}/metrics")
    @Operation(summary = "The latest metrics event of a model: accuracy matrix, ACC, LA, BWT, FWT, forgetting with formulas")
    public Response metrics(@PathParam("model") String model) {
        Learner learner = learners.all().get(model);
        if (learner == null) {
            return ApiError.of(Response.Status.NOT_FOUND, "unknown_model",
                    "No model '" + model + "' has received records yet; known models: " + learners.all().keySet() + ".");
        }
        MetricsEvent event = learner instanceof ContinualLearner c ? c.latestMetrics() : null;
        if (event == null) {
            return ApiError.of(Response.Status.NOT_FOUND, "no_metrics",
                    "Model '" + model + "' has no evaluation yet: metrics come at each task end and every "
                            + "engram.evaluation.every-examples train examples.");
        }
        return Response.ok(event.toJson()).build();
    }
}
