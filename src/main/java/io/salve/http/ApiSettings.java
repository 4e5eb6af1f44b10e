package io.salve.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The operator API's settings: the {@code salve.api} block, and the largest edit strength previews accept
 * ({@code salve.edits.max-alpha}, the same bound the registry applies).
 */
public record ApiSettings(String token, String tokensFile, boolean protectReads, long maxBodyBytes,
                          Duration inferTimeout, double maxAlpha) {

    public ApiSettings {
        token = token == null ? "" : token;
        tokensFile = tokensFile == null ? "" : tokensFile;
    }

    public static ApiSettings from(Config root) {
        Config c = root.getConfig("salve.api");
        return new ApiSettings(c.getString("token"), c.getString("tokens-file"), c.getBoolean("protect-reads"),
                c.getBytes("max-body-bytes"),
                c.getDuration("infer-timeout"), root.getDouble("salve.edits.max-alpha"));
    }
}
