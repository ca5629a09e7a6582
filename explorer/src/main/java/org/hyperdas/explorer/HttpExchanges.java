package org.hyperdas.explorer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.hyperdas.runtime.BadInputException;

/** Reading request bodies and writing responses, the same way for every route. */
final class HttpExchanges {
    /** The largest request body read: a Try request is a few texts of at most 2000 characters. */
    static final int MAX_BODY = 64 * 1024;
    static final ObjectMapper JSON = new ObjectMapper();

    /** A request the server refuses with a status other than 400 (wrong method, route, type, size). */
    static final class HttpError extends RuntimeException {
        private final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private HttpExchanges() {
    }

    /**
     * The request's JSON body. The content type must be application/json: a page of another origin
     * can only send that with a CORS preflight, which this server never answers, so other sites
     * open in the same browser cannot make it run requests.
     */
    static JsonNode jsonBody(HttpExchange ex) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new HttpError(415, "expected Content-Type: application/json, found " + type);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                body.write(buf, 0, n);
                if (body.size() > MAX_BODY) {
                    throw new HttpError(413, "request body over " + MAX_BODY + " bytes");
                }
            }
        }
        try {
            return JSON.readTree(body.toByteArray());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadInputException("request body: not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    /** The Host header names this machine: 127.0.0.1, localhost or [::1], with any port. */
    static void requireLoopbackHost(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        String name = host == null ? "" : host.replaceFirst(":[0-9]+$", "").toLowerCase(Locale.ROOT);
        if (!(name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]"))) {
            throw new HttpError(403, "Host " + host + ": this server answers only requests for 127.0.0.1 or"
                    + " localhost (serve --host opens it to other names)");
        }
    }

    static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            throw new HttpError(405, ex.getRequestURI().getPath() + " expects " + method + ", found "
                    + ex.getRequestMethod());
        }
    }

    static void sendJson(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(value));
    }

    static void sendError(HttpExchange ex, int status, String message) throws IOException {
        ObjectNode error = JSON.createObjectNode();
        error.put("error", message);
        error.put("status", status);
        sendJson(ex, status, error);
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        // Everything the page uses comes from this server; nothing may be loaded from elsewhere.
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
