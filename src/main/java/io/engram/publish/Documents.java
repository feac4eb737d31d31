package io.engram.publish;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;

/**
 * The JSON mapper for the service's documents (manifests, aliases, metrics events, the HTTP
 * answers) outside CDI. Beans use the Quarkus-managed {@code ObjectMapper}; this one is configured
 * as Quarkus configures it by default (its modules, unknown properties ignored, dates as ISO-8601
 * text), so a document reads and writes the same through either. The document records pin their
 * own property names and inclusion ({@code @JsonProperty}, {@code @JsonInclude}), so their JSON does
 * not depend on a mapper's defaults.
 */
public final class Documents {

    private Documents() {
    }

    /** A new mapper configured as the service's; thread-safe once made, so keep one per user. */
    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .addModule(new Jdk8Module())
                .addModule(new JavaTimeModule())
                .addModule(new ParameterNamesModule())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
    }
}
