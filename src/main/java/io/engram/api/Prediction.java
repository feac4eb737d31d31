package io.engram.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The answer of {@code POST /api/models/{model}/predict}: the version used, the class probabilities, the best class and its label (null when unnamed). */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Prediction(long version, float[] probabilities, @JsonProperty("class") int best, String label) {
}
