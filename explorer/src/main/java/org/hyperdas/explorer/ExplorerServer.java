package org.hyperdas.explorer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.export.ExportManifest;
import org.hyperdas.export.ExportedModel;

/**
 * {@code hyperdas-run serve}: a local web application over an export and, when given, its run folder.
 *
 * <p>Built on the JDK's own {@code com.sun.net.httpserver.HttpServer}: the page needs a handful of
 * fixed routes on a loopback port, which it does in a few lines without adding a web framework
 * (and its dependency tree) to the shaded jar. A small fixed pool of threads serves the requests;
 * the export is opened once and its sessions are shared by them ({@link TryService}).
 *
 * <p>Routes: {@code GET /}, {@code /app.js}, {@code /app.css} (the page); {@code GET /api/info};
 * {@code POST /api/try}; {@code GET /api/examples}; {@code GET /api/leaderboard};
 * {@code GET /api/figures/N}. No route reads a path from the request.
 */
public final class ExplorerServer implements AutoCloseable {
    /** Loopback only unless the user opens it with --host. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Request threads: a few, as ONNX Runtime already spreads each run over the cores. */
    public static final int DEFAULT_THREADS = 4;

    /**
     * How to serve.
     *
     * @param run a run folder, or null
     * @param port 0 picks a free port
     */
    public record Config(Path export, Path run, String host, int port, String device, int threads) {
        public Config {
            if (port < 0 || port > 65535) {
                throw new BadInputException("--port: expected 0 (any free port) to 65535, found " + port);
            }
            if (threads < 1) {
                throw new BadInputException("--threads: expected at least 1, found " + threads);
            }
        }
    }

    private final ExportedModel model;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String host;

    private ExplorerServer(ExportedModel model, HttpServer server, ExecutorService executor, String host) {
        this.model = model;
        this.server = server;
        this.executor = executor;
        this.host = host;
    }

    /**
     * Opens the export (and reads the run folder), binds and starts serving.
     *
     * @throws BadInputException on a bad export or run folder, or an address that cannot be bound
     */
    public static ExplorerServer start(Config c) throws Exception {
        RunView run = c.run() == null ? RunView.none() : RunView.open(c.run());
        ExportedModel model = ExportedModel.open(c.export(), OrtEngine.create(c.device()));
        try {
            TryService service = new TryService(model);
            model.tokenizer();
            StaticAssets assets = StaticAssets.load();
            HttpServer server;
            try {
                server = HttpServer.create(new InetSocketAddress(c.host(), c.port()), 0);
            } catch (IOException e) {
                throw new BadInputException("--host " + c.host() + " --port " + c.port() + ": cannot listen there ("
                        + e.getMessage() + "); expected a free port of a local address");
            }
            boolean local = server.getAddress().getAddress().isLoopbackAddress();
            ExecutorService executor = Executors.newFixedThreadPool(c.threads(), daemonThreads());
            server.setExecutor(executor);
            server.createContext("/", guarded(local, ex -> serveAsset(ex, assets)));
            server.createContext("/api/info", guarded(local, ex -> {
                HttpExchanges.requireMethod(ex, "GET");
                HttpExchanges.sendJson(ex, 200, info(model.manifest(), run));
            }));
            server.createContext("/api/try", guarded(local, ex -> {
                HttpExchanges.requireMethod(ex, "POST");
                TryRequest request = TryRequest.parse(HttpExchanges.jsonBody(ex));
                HttpExchanges.sendJson(ex, 200, service.run(request));
            }));
            server.createContext("/api/examples", guarded(local, ex -> {
                HttpExchanges.requireMethod(ex, "GET");
                HttpExchanges.sendJson(ex, 200, run.examples());
            }));
            server.createContext("/api/leaderboard", guarded(local, ex -> {
                HttpExchanges.requireMethod(ex, "GET");
                ObjectNode board = HttpExchanges.JSON.createObjectNode();
                board.put("markdown", run.leaderboard());
                board.set("scores", HttpExchanges.JSON.valueToTree(run.scores()));
                board.set("figures", HttpExchanges.JSON.valueToTree(run.figures()));
                HttpExchanges.sendJson(ex, 200, board);
            }));
            server.createContext("/api/figures/", guarded(local, ex -> serveFigure(ex, run)));
            server.start();
            return new ExplorerServer(model, server, executor, c.host());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The port it listens on (the chosen one when started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The page's address. */
    public URI url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port() + "/");
    }

    public ExportManifest manifest() {
        return model.manifest();
    }

    @Override
    public void close() throws Exception {
        server.stop(0);
        executor.shutdownNow();
        model.close();
    }

    /** A route body that may throw. */
    private interface Route {
        void handle(HttpExchange ex) throws Exception;
    }

    /**
     * Turns failures into JSON errors: 400 for bad input, the route's status, 500 otherwise. On a
     * loopback address, requests must name a loopback host: a web page whose own host name was
     * re-pointed at 127.0.0.1 (DNS rebinding) sends its own name, and gets 403.
     */
    private static HttpHandler guarded(boolean loopbackOnly, Route route) {
        return ex -> {
            try (ex) {
                try {
                    if (loopbackOnly) {
                        HttpExchanges.requireLoopbackHost(ex);
                    }
                    route.handle(ex);
                } catch (BadInputException e) {
                    HttpExchanges.sendError(ex, 400, e.getMessage());
                } catch (HttpExchanges.HttpError e) {
                    HttpExchanges.sendError(ex, e.status(), e.getMessage());
                } catch (Exception e) {
                    System.err.println("serve: " + ex.getRequestURI().getPath() + " failed: " + e);
                    HttpExchanges.sendError(ex, 500, "internal error: " + e);
                }
            }
        };
    }

    private static void serveAsset(HttpExchange ex, StaticAssets assets) throws IOException {
        HttpExchanges.requireMethod(ex, "GET");
        StaticAssets.Asset a = assets.get(ex.getRequestURI().getPath());
        if (a == null) {
            throw new HttpExchanges.HttpError(404, "no page " + ex.getRequestURI().getPath());
        }
        HttpExchanges.send(ex, 200, a.contentType(), a.bytes());
    }

    private static void serveFigure(HttpExchange ex, RunView run) throws IOException {
        HttpExchanges.requireMethod(ex, "GET");
        String id = ex.getRequestURI().getPath().substring("/api/figures/".length());
        byte[] png = id.matches("[0-9]{1,6}") ? run.figure(Integer.parseInt(id)) : null;
        if (png == null) {
            throw new HttpExchanges.HttpError(404, "no figure '" + id + "' (figures are numbered from 0, see"
                    + " /api/leaderboard)");
        }
        HttpExchanges.send(ex, 200, "image/png", png);
    }

    private static ObjectNode info(ExportManifest m, RunView run) {
        ObjectNode o = HttpExchanges.JSON.createObjectNode();
        o.put("method", m.method());
        ArrayNode modes = o.putArray("modes");
        m.modes().forEach(modes::add);
        ArrayNode attributes = o.putArray("attributes");
        m.attributes().forEach(attributes::add);
        o.put("layer", m.layer());
        o.put("hasSelection", !m.modes().isEmpty());
        o.put("maxText", TryRequest.MAX_TEXT);
        o.put("maxNewTokens", TryRequest.MAX_NEW_TOKENS);
        o.put("run", run.present());
        o.put("examples", run.examples().size());
        return o;
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "serve-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
