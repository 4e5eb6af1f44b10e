package io.salve.http;

import io.salve.core.SalveException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The API's tokens, each with a name and a role, held only as SHA-256 hashes: from {@code salve.api.tokens-file} (one
 * {@code name role sha256-hex} per line, {@code #} comments; e.g. a mounted Kubernetes Secret) and the single
 * {@code salve.api.token}, which is an admin token named {@code salve.api.token}.
 */
final class ApiTokens {

    /** What a token may do; each role may do what the ones before it may. */
    enum Role {
        /** Reads: features, edits, history, previews, plans, inference (when reads are protected). */
        VIEWER,
        /** Reads and edit changes. */
        OPERATOR,
        /** Everything, model management included. */
        ADMIN;

        boolean allows(Role needed) {
            return compareTo(needed) >= 0;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A token as it is kept: who, what it may do, and the hash of its value. */
    record Holder(String name, Role role, byte[] hash) {
    }

    private final List<Holder> holders;

    ApiTokens(List<Holder> holders) {
        this.holders = List.copyOf(holders);
    }

    static ApiTokens of(String adminToken, String tokensFile) {
        List<Holder> holders = new ArrayList<>();
        if (!tokensFile.isBlank()) {
            holders.addAll(read(Path.of(tokensFile)));
        }
        if (!adminToken.isEmpty()) {
            holders.add(new Holder("salve.api.token", Role.ADMIN, sha256(adminToken)));
        }
        return new ApiTokens(holders);
    }

    boolean isEmpty() {
        return holders.isEmpty();
    }

    /**
     * The holder of {@code presented}, if any. Every hash is compared, each in constant time
     * ({@link MessageDigest#isEqual}), so neither which entry matched nor how much of a guess was right shows in the
     * time taken.
     */
    Optional<Holder> find(String presented) {
        byte[] hash = sha256(presented);
        Holder found = null;
        for (Holder h : holders) {
            if (MessageDigest.isEqual(h.hash(), hash) && found == null) {
                found = h;
            }
        }
        return Optional.ofNullable(found);
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static List<Holder> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SalveException("BAD_CONFIG", "salve.api.tokens-file: cannot read " + file + ": " + e.getMessage(),
                    e);
        }
        List<Holder> holders = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            String where = "salve.api.tokens-file " + file + " line " + (n + 1) + ": ";
            if (fields.length != 3) {
                throw new SalveException("BAD_CONFIG", where + "expected \"name role sha256-hex\", got "
                        + fields.length + " fields");
            }
            Role role;
            try {
                role = Role.valueOf(fields[1].toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new SalveException("BAD_CONFIG", where + "role \"" + fields[1]
                        + "\" is not viewer, operator or admin");
            }
            if (!fields[2].matches("(?i)[0-9a-f]{64}")) {
                throw new SalveException("BAD_CONFIG", where + "the token's SHA-256 must be 64 hex digits (printf %s "
                        + "\"$TOKEN\" | sha256sum); the token itself never goes in this file");
            }
            if (holders.stream().anyMatch(h -> h.name().equals(fields[0]))) {
                throw new SalveException("BAD_CONFIG", where + "the name \"" + fields[0] + "\" is used twice");
            }
            holders.add(new Holder(fields[0], role, HexFormat.of().parseHex(fields[2].toLowerCase(Locale.ROOT))));
        }
        return holders;
    }
}
