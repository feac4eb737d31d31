package io.engram.api;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The users of HTTP basic authentication on {@code /api/*}: when {@code engram.api.auth.enabled}
 * is true, each line {@code user=HEX(SHA-512(user:engram:password))} of
 * {@code engram.api.auth.users-file} becomes a user of Quarkus's embedded Elytron realm
 * ({@code quarkus.security.users.embedded.users.<user>}), which checks the passwords. The file is
 * read once at start-up. A missing or unreadable file gives no users here; the settings check then
 * stops start-up naming the key.
 */
public class ApiUsersConfigSource implements ConfigSourceFactory {

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue enabled = context.getValue("engram.api.auth.enabled");
        ConfigValue file = context.getValue("engram.api.auth.users-file");
        if (enabled == null || !"true".equalsIgnoreCase(enabled.getValue()) || file == null || file.getValue() == null
                || !Files.isReadable(Path.of(file.getValue()))) {
            return List.of();
        }
        Properties users = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(file.getValue()), StandardCharsets.UTF_8)) {
            users.load(in);
        } catch (IOException | IllegalArgumentException e) {
            return List.of();
        }
        Map<String, String> properties = new HashMap<>();
        users.stringPropertyNames().forEach(user -> properties.put(
                "quarkus.security.users.embedded.users.\"" + user + "\"", users.getProperty(user).trim()));
        return List.of(new PropertiesConfigSource(properties, "engram.api.auth.users-file " + file.getValue(), 260));
    }
}
