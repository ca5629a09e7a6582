package org.hyperdas.tests.explorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.explorer.ExplorerServer;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.export.InferenceInputs;
import org.hyperdas.export.PortableInference;
import org.hyperdas.tests.export.ExportFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The explorer's JSON API on a tiny export, on a free loopback port: Try answers exactly as
 * {@code infer} does (every mode, and MDAS), with a selection of source tokens + SELF rows by base
 * token columns; bad requests get 400 and a message naming the field; no request reaches a file
 * outside the page's whitelist; 32 requests at once all succeed with identical answers.
 */
class ExplorerApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ExportFixture.Runs runs;
    private static ExplorerServer hyperdas;
    private static ExplorerServer mdas;
    private static Pair pair;

    @BeforeAll
    static void start() throws Exception {
        runs = ExportFixture.get();
        hyperdas = ExplorerFixture.serve(runs.hyperdasExport(), runs.hyperdasRun());
        mdas = ExplorerFixture.serve(runs.mdasExport(), runs.mdasRun());
        pair = ExplorerFixture.causePair(runs.hyperdasRun().resolve("hyperdas-soft"));
    }

    @AfterAll
    static void stop() throws Exception {
        hyperdas.close();
        mdas.close();
    }

    static HttpResponse<String> post(ExplorerServer server, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.url().resolve("/api/try"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(ExplorerServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static ObjectNode request(Pair p, String mode) {
        ObjectNode r = JSON.createObjectNode();
        r.put("base", p.basePrompt());
        r.put("source", p.sourcePrompt());
        r.put("instruction", p.instruction());
        if (mode != null) {
            r.put("mode", mode);
        }
        return r;
    }

    @Test
    void tryAnswersAsInferDoesWithTheWholeSelection() throws Exception {
        try (ExportedModel model = ExportedModel.open(runs.hyperdasExport(), OrtEngine.cpu())) {
            HfTokenizer tok = model.tokenizer();
            InferenceInputs x = InferenceInputs.of(tok, pair.basePrompt(), pair.sourcePrompt(), pair.instruction());
            int baseTokens = x.baseIds()[0].length;
            int sourceTokens = x.sourceIds()[0].length;
            for (String mode : List.of("soft", "one-to-many", "one-to-one", "global-argmax")) {
                HttpResponse<String> r = post(hyperdas, request(pair, mode).toString());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode a = JSON.readTree(r.body());
                PortableInference.Answer expected = PortableInference.run(model, new PortableInference.Request(
                        pair.basePrompt(), pair.sourcePrompt(), pair.instruction(), mode, null, 3));
                assertEquals(expected.baseAnswer(), a.get("baseAnswer").asText(), mode);
                assertEquals(expected.intervenedAnswer(), a.get("intervenedAnswer").asText(), mode);
                assertEquals(mode, a.get("variant").asText());

                JsonNode h = a.get("heatmap");
                assertEquals(sourceTokens + 1, h.get("rows").size(), mode);
                assertEquals("SELF", h.get("rows").get(sourceTokens).asText());
                assertEquals(baseTokens, h.get("columns").size(), mode);
                assertEquals(sourceTokens + 1, h.get("weights").size());
                for (int j = 0; j < baseTokens; j++) {
                    double column = 0;
                    for (JsonNode row : h.get("weights")) {
                        assertEquals(baseTokens, row.size());
                        column += row.get(j).asDouble();
                    }
                    assertEquals(1.0, column, 1e-4, mode + ": the weights of base token " + j + " sum to one");
                }
                assertEquals(!mode.equals("soft"), h.get("discrete").asBoolean());
                assertTopFive(a.get("baseTop"), tok, expected.baseAnswer());
                assertTopFive(a.get("intervenedTop"), tok, expected.intervenedAnswer());
            }
        }
    }

    /** Five tokens by falling probability; the first is the answer's first token (greedy). */
    private static void assertTopFive(JsonNode top, HfTokenizer tok, String answer) {
        assertEquals(5, top.size(), top.toString());
        double previous = 1.0;
        double sum = 0;
        for (JsonNode t : top) {
            double p = t.get("probability").asDouble();
            assertTrue(p <= previous + 1e-12 && p >= 0, top.toString());
            previous = p;
            sum += p;
        }
        assertTrue(sum <= 1.0 + 1e-6, top.toString());
        long first = top.get(0).get("id").asLong();
        if (!tok.isSpecial(first)) {
            assertTrue(answer.startsWith(tok.decode(new long[] {first}, true).strip())
                    || answer.strip().startsWith(tok.decode(new long[] {first}, true).strip()), answer + " vs " + top);
        }
    }

    @Test
    void mdasShowsTheFixedSiteAndTheNamedAttributesAnswer() throws Exception {
        Pair p = ExplorerFixture.causePair(runs.mdasRun());
        ObjectNode body = request(p, null);
        body.put("attribute", "Continent");
        HttpResponse<String> r = post(mdas, body.toString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode a = JSON.readTree(r.body());
        try (ExportedModel model = ExportedModel.open(runs.mdasExport(), OrtEngine.cpu())) {
            PortableInference.Answer expected = PortableInference.run(model, new PortableInference.Request(
                    p.basePrompt(), p.sourcePrompt(), p.instruction(), null, "Continent", 3));
            assertEquals(expected.intervenedAnswer(), a.get("intervenedAnswer").asText());
            assertEquals("city.Continent", a.get("variant").asText());
            assertTrue(a.get("heatmap").isNull());
            PortableInference.Selected site = expected.selected().get(0);
            assertEquals(site.basePosition(), a.get("site").get("basePosition").asInt());
            assertEquals(site.sourcePosition(), a.get("site").get("sourcePosition").asInt());
        }
    }

    @Test
    void badRequestsGet400NamingTheField() throws Exception {
        String longText = "x".repeat(2001);
        assertBad(hyperdas, request(pair, "soft").put("base", longText).toString(), "'base'", "at most 2000");
        assertBad(hyperdas, request(pair, "sparse").toString(), "'mode'", "[soft, one-to-many, one-to-one, global-argmax]");
        assertBad(mdas, request(pair, null).put("attribute", "Population").toString(), "'attribute'",
                "city.Country");
        assertBad(hyperdas, "{\"base\": \"x\", ", "request body", "not valid JSON");
        assertBad(hyperdas, "[1, 2]", "request body", "JSON object");
        assertBad(hyperdas, request(pair, "soft").put("base", 7).toString(), "'base'", "expected a string");
        assertBad(hyperdas, request(pair, "soft").put("path", "/etc/passwd").toString(), "'path'", "unknown");
        assertBad(hyperdas, request(pair, "soft").put("maxNewTokens", 99).toString(), "'maxNewTokens'", "[1, 16]");
        ObjectNode noSource = request(pair, "soft");
        noSource.remove("source");
        assertBad(hyperdas, noSource.toString(), "'source'", "missing");
        assertBad(hyperdas, request(pair, "soft").put("instruction", "Atlantis ; " + pair.sourceEntity()
                + " - Country").toString(), "\"Atlantis\"", "--base");

        HttpResponse<String> plain = HTTP.send(HttpRequest.newBuilder(hyperdas.url().resolve("/api/try"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(
                        request(pair, "soft").toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, plain.statusCode(), plain.body());
        assertEquals(405, get(hyperdas, "/api/try").statusCode());
    }

    private static void assertBad(ExplorerServer server, String body, String... parts) throws Exception {
        HttpResponse<String> r = post(server, body);
        assertEquals(400, r.statusCode(), r.body());
        String error = JSON.readTree(r.body()).get("error").asText();
        for (String part : parts) {
            assertTrue(error.contains(part), error + " lacks " + part);
        }
    }

    @Test
    void onlyThePagesFilesAndTheRunsFiguresAreServed() throws Exception {
        for (String page : List.of("/", "/app.js", "/app.css")) {
            HttpResponse<String> r = get(hyperdas, page);
            assertEquals(200, r.statusCode(), page);
            assertFalse(r.body().contains("http://") || r.body().contains("https://"), page + " loads nothing remote");
        }
        for (String path : List.of("/pom.xml", "/org/hyperdas/explorer/assets/app.js", "/api/figures/..%2Fmanifest.json",
                "/api/figures/999", "/..%2F..%2Fetc%2Fpasswd", "/manifest.json", "/api/nothing")) {
            assertEquals(404, get(hyperdas, path).statusCode(), path);
        }
        JsonNode board = JSON.readTree(get(hyperdas, "/api/leaderboard").body());
        assertTrue(board.get("figures").size() > 0, board.toString());
        HttpResponse<byte[]> png = HTTP.send(HttpRequest.newBuilder(hyperdas.url().resolve("/api/figures/0")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, png.statusCode());
        assertEquals(0x89, png.body()[0] & 0xff, "a PNG");
        String leaderboard = runs.hyperdasRun().resolve("leaderboard.md").toFile().exists()
                ? Files.readString(runs.hyperdasRun().resolve("leaderboard.md")) : null;
        assertEquals(leaderboard, board.get("markdown").isNull() ? null : board.get("markdown").asText());
    }

    @Test
    void requestsForAnotherHostNameAreRefused() throws Exception {
        assertEquals(403, rawGetStatus("evil.example:" + hyperdas.port()), "a rebound host name");
        assertEquals(200, rawGetStatus("localhost:" + hyperdas.port()));
        assertEquals(200, rawGetStatus("127.0.0.1:" + hyperdas.port()));
    }

    /** The status of GET /api/info with a given Host header (HttpClient does not let one set it). */
    private static int rawGetStatus(String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", hyperdas.port())) {
            socket.getOutputStream().write(("GET /api/info HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void examplesAreTheRunsTestPredictions() throws Exception {
        JsonNode examples = JSON.readTree(get(hyperdas, "/api/examples").body());
        long expected = 0;
        for (String mode : List.of("soft", "one-to-many", "one-to-one", "global-argmax", "groundtruth")) {
            expected += PredictionFile.read(runs.hyperdasRun().resolve("hyperdas-" + mode)
                    .resolve(RunFolder.PREDICTIONS)).stream().filter(o -> !o.pair().split().equals("train")).count();
        }
        assertEquals(expected, examples.size());
        JsonNode first = examples.get(0);
        assertEquals("soft", first.get("mode").asText());
        assertNotNull(first.get("instruction").asText());
        JsonNode info = JSON.readTree(get(hyperdas, "/api/info").body());
        assertEquals("hyperdas", info.get("method").asText());
        assertEquals(expected, info.get("examples").asLong());
    }

    @Test
    void thirtyTwoRequestsAtOnceAllSucceedWithIdenticalAnswers() throws Exception {
        String body = request(pair, "soft").toString();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            long start = System.nanoTime();
            List<Future<HttpResponse<String>>> sent = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                sent.add(pool.submit(() -> post(hyperdas, body)));
            }
            JsonNode reference = null;
            for (Future<HttpResponse<String>> f : sent) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r.body());
                ObjectNode a = (ObjectNode) JSON.readTree(r.body());
                a.remove("millis");
                if (reference == null) {
                    reference = a;
                }
                assertEquals(reference, a);
            }
            System.out.printf("explorer: 32 concurrent Try requests, all 200 and identical, in %d ms%n",
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            pool.shutdownNow();
        }
    }
}
