package io.engram.broker;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/** The broker could not be used: unreachable, or it refused our credentials or permissions. */
public final class BrokerAccessException extends RuntimeException {

    /** What went wrong, for health checks and logs. */
    public enum Kind { UNREACHABLE, AUTHENTICATION, AUTHORIZATION, OTHER }

    private final Kind kind;

    public BrokerAccessException(String message, Throwable cause) {
        this(Kind.OTHER, message, cause);
    }

    private BrokerAccessException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Classifies a Kafka client failure and phrases it for a person. */
    public static BrokerAccessException from(Throwable cause) {
        if (cause instanceof BrokerAccessException b) {
            return b;
        }
        if (cause instanceof AuthenticationException) {
            return new BrokerAccessException(Kind.AUTHENTICATION,
                    "Kafka authentication failed: " + cause.getMessage()
                            + ". Check engram.kafka.client.security.protocol, sasl.mechanism and sasl.jaas.config.", cause);
        }
        if (cause instanceof AuthorizationException) {
            return new BrokerAccessException(Kind.AUTHORIZATION,
                    "Kafka refused the operation: " + cause.getMessage()
                            + ". Grant the service's principal access to the engram topics and consumer group.", cause);
        }
        if (cause instanceof java.util.concurrent.TimeoutException
                || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new BrokerAccessException(Kind.UNREACHABLE,
                    "Kafka did not answer in time (" + cause.getMessage()
                            + "). Is engram.kafka.bootstrap-servers right and the broker up?", cause);
        }
        return new BrokerAccessException(Kind.OTHER, "Kafka request failed: " + cause, cause);
    }
}
