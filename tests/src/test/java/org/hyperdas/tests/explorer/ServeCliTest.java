package org.hyperdas.tests.explorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperdas.cli.HyperdasRun;
import org.hyperdas.tests.export.ExportFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hyperdas-run serve} as a user runs it: in a child JVM with --port 0 it prints the loopback
 * URL with the chosen port and answers there until stopped; a bad export or port exits with 2.
 */
class ServeCliTest {
    private static final Pattern URL = Pattern.compile("serving on (http://127\\.0\\.0\\.1:([0-9]+)/)");

    @Test
    void servePrintsTheLoopbackUrlOfTheChosenPortAndAnswersThere() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HyperdasRun.class.getName(), "serve", "--export", runs.hyperdasExport().toString(), "--run",
                runs.hyperdasRun().toString(), "--port", "0"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process child = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            StringBuilder printed = new StringBuilder();
            String url = null;
            for (String line; (line = out.readLine()) != null;) {
                printed.append(line).append('\n');
                Matcher m = URL.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                    assertTrue(Integer.parseInt(m.group(2)) > 0, line);
                }
                if (line.startsWith("Ctrl-C")) {
                    break;
                }
            }
            assertNotNull(url, "no URL printed:\n" + printed);
            assertTrue(printed.toString().contains("listening on 127.0.0.1 only"), printed.toString());
            HttpResponse<String> info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(url + "api/info")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, info.statusCode());
            assertTrue(info.body().contains("\"method\":\"hyperdas\""), info.body());
        } finally {
            child.destroy();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "serve stops on SIGTERM");
        }
    }

    @Test
    void aBadExportOrPortExitsWithTwo(@TempDir Path dir) throws Exception {
        ExportFixture.Result r = ExportFixture.cli("serve", "--export", dir.resolve("nothing").toString(),
                "--port", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no such export folder"), r.err());
        r = ExportFixture.cli("serve", "--export", ExportFixture.get().hyperdasExport().toString(), "--port",
                "70000");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--port: expected 0 (any free port) to 65535, found 70000"), r.err());
        r = ExportFixture.cli("serve", "--export", ExportFixture.get().hyperdasExport().toString(), "--run",
                dir.toString(), "--port", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--run expects a folder written by hyperdas-run train"), r.err());
    }
}
