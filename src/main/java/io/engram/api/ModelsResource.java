package io.engram.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.engram.evaluate.MetricsEvent;
import io.engram.learn.ContinualLearner;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import io.engram.publish.Artifacts;
import io.engram.publish.ModelCatalog;
import io.engram.publish.ModelPublisher;
import io.engram.publish.ModelTopics;
import io.engram.config.EngramConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The model consumer's endpoints of docs/contract.md. */
@Path("/api/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    @Inject
    LearnerRegistry learners;

    @Inject
    ModelPublisher publisher;

    @Inject
    EngramConfig config;

    @GET
    @Operation(summary = "Models and their published versions, newest first, with aliases")
    public List<ModelListing> models() {
        ModelCatalog catalog = publisher.catalog();
        List<ModelListing> out = new ArrayList<>();
        catalog.models().forEach((model, versions) -> out.add(new ModelListing(model, versions, catalog.aliases(model))));
        return out;
    }

    @GET
    @Path("{model}/versions/{version}")
    @Operation(summary = "The manifest of a version: a number, latest or stable")
    public Response manifest(@PathParam("model") String model, @PathParam("version") String version) {
        ModelCatalog.Entry entry = find(model, version);
        if (entry == null) {
            return missing(model, version);
        }
        return Response.ok(entry.manifest()).build();
    }

    @GET
    @Path("{model}/latest")
    @Operation(summary = "The manifest of the newest version")
    public Response latest(@PathParam("model") String model) {
        return manifest(model, "latest");
    }

    @GET
    @Path("{model}/versions/{version}/artifact")
    @Produces({"application/zip", MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    @Operation(summary = "The artifact bytes, ETag = SHA-256: the DL4J model zip, or with format=onnx the ONNX model")
    public Response artifact(@PathParam("model") String model, @PathParam("version") String version,
            @QueryParam("format") String format, @HeaderParam("If-None-Match") String ifNoneMatch) {
        String which = format == null || format.isEmpty() ? Artifacts.FORMAT : format;
        if (!which.equals(Artifacts.FORMAT) && !which.equals(Artifacts.ONNX)) {
            return ApiError.of(Response.Status.BAD_REQUEST, "unknown_format", "Expected format " + Artifacts.FORMAT + " (the default) or "
                    + Artifacts.ONNX + ", found '" + (which.length() > 64 ? which.substring(0, 64) + "..." : which) + "'.");
        }
        ModelCatalog.Entry entry = find(model, version);
        if (entry == null) {
            return missing(model, version);
        }
        if (!entry.formats().contains(which)) {
            return ApiError.of(Response.Status.NOT_FOUND, "unknown_format", "Version " + entry.version() + " of model '" + model
                    + "' has no " + which + " artifact (published before ONNX export); its manifest lists " + entry.formats() + ".");
        }
        String sha = entry.sha256(which);
        if (sha != null && ifNoneMatch != null && ifNoneMatch.replace("\"", "").equals(sha)) {
            return Response.notModified(new EntityTag(sha)).build();
        }
        byte[] bytes = fromKafka(model, version, () -> entry.artifact(which)); // verified against sha when read from Kafka
        if (bytes == null) {
            return ApiError.of(Response.Status.NOT_FOUND, "unknown_format", "Version " + entry.version() + " of model '" + model
                    + "' holds no " + which + " artifact; its manifest lists " + entry.formats() + ".");
        }
        EntityTag tag = new EntityTag(sha == null ? Artifacts.sha256(bytes) : sha);
        boolean onnx = which.equals(Artifacts.ONNX);
        return Response.ok(bytes, onnx ? MediaType.APPLICATION_OCTET_STREAM : "application/zip").tag(tag)
                .header("Content-Disposition", "attachment; filename=\"" + model + "-" + entry.version() + (onnx ? ".onnx" : ".zip") + "\"")
                .header("X-Engram-Version", entry.version()).build();
    }

    @POST
    @Path("{model}/predict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Class probabilities of {\"x\": [...]} under a version (query version=N|latest|stable, default latest);"
            + " bodies over engram.api.max-body-bytes get 413")
    public Response predict(@PathParam("model") String model, @QueryParam("version") String version,
            @HeaderParam("Content-Length") String contentLength, InputStream body) throws IOException {
        int limit = config.api().maxBodyBytes();
        byte[] bytes = PredictRequest.readAtMost(body, contentLength, limit);
        if (bytes == null) {
            return ApiError.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "too_large", "The request body is larger than "
                    + limit + " bytes (engram.api.max-body-bytes); send {\"x\": [...]} with one example.");
        }
        String which = version == null ? "latest" : version;
        ModelCatalog.Entry entry = find(model, which);
        if (entry == null) {
            return missing(model, which);
        }
        PredictRequest request = PredictRequest.parse(bytes, entry.inputSize());
        if (request.error() != null) {
            return request.error();
        }
        float[] p = fromKafka(model, which, () -> entry.predict(request.x()));
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        JsonNode labels = entry.manifest().path("architecture").path("labels");
        return Response.ok(new Prediction(entry.version(), p, best, labels.size() > best ? labels.get(best).asText() : null)).build();
    }

    /** A version from the catalog, which may read its manifest from Kafka. */
    private ModelCatalog.Entry find(String model, String version) {
        return fromKafka(model, version, () -> publisher.catalog().find(model, version));
    }

    /**
     * What may need a read from Kafka (a manifest or an artifact not held in memory): answers 404
     * when the artifact cannot be rebuilt from its chunks and 503 when Kafka does not answer.
     */
    private static <T> T fromKafka(String model, String version, Supplier<T> read) {
        try {
            return read.get();
        } catch (ModelTopics.ArtifactMismatchException e) {
            throw new WebApplicationException(ApiError.of(Response.Status.NOT_FOUND, "artifact_unavailable",
                    "Version '" + version + "' of model '" + model + "' is listed but its artifact is not usable: " + e.getMessage() + "."));
        } catch (org.apache.kafka.common.KafkaException | IllegalStateException e) {
            throw new WebApplicationException(ApiError.of(Response.Status.SERVICE_UNAVAILABLE, "kafka_unavailable",
                    "Version '" + version + "' of model '" + model + "' is not held in memory and reading it from Kafka failed: "
                            + e.getMessage()));
        }
    }

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
        return Response.ok(event.document()).build();
    }

    private Response missing(String model, String version) {
        Map<String, List<Long>> models = publisher.catalog().models();
        if (!models.containsKey(model)) {
            return ApiError.of(Response.Status.NOT_FOUND, "unknown_model",
                    "No version of model '" + model + "' has been published; models with versions: " + models.keySet() + ".");
        }
        return ApiError.of(Response.Status.NOT_FOUND, "unknown_version", "Model '" + model + "' has no version '" + version
                + "'; versions: " + models.get(model) + ", aliases: " + publisher.catalog().aliases(model) + ".");
    }
}
