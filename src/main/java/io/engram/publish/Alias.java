package io.engram.publish;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An alias record's value on engram.models ({@code <model>:@latest}, {@code <model>:@stable}): the version it names. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Alias(String model, String alias, long version, String created) {
}
