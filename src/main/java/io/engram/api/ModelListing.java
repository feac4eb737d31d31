package io.engram.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** One model in the answer of {@code GET /api/models}: its published versions, newest first, and its aliases. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ModelListing(String model, List<Long> versions, Map<String, Long> aliases) {
}
