package org.hyperdas.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.hyperdas.explorer.ExplorerServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run serve}: the explorer page over an export and its run folder, until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a local web page over an export of `hyperdas-run export` (and, with --run, the run"
                + " folder it came from):",
            "Try runs the export on your texts (both answers, the top-5 next tokens, the selection heatmap);"
                + " Examples lists the run's test predictions; Leaderboard shows its tables and plots.",
            "Listens on 127.0.0.1 only unless --host names another address; stop it with Ctrl-C."})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--export", required = true, paramLabel = "DIR", description = "An export folder.")
    Path export;

    @Option(names = "--run", paramLabel = "DIR",
            description = "The run folder (train --out DIR, or one of its run folders) for Examples and Leaderboard.")
    Path run;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one and prints it).")
    int port;

    @Option(names = "--host", paramLabel = "H", defaultValue = ExplorerServer.DEFAULT_HOST,
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 opens it to"
                    + " the network).")
    String host;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "" + ExplorerServer.DEFAULT_THREADS,
            description = "Request threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, auto or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ExplorerServer server = ExplorerServer.start(new ExplorerServer.Config(export, run, host, port, device,
                threads));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("serve: closing: " + e);
            }
            stopped.countDown();
        }));
        PrintWriter o = spec.commandLine().getOut();
        o.printf("%s export (%s), serving on %s%n", server.manifest().method(), export, server.url());
        o.println(host.equals(ExplorerServer.DEFAULT_HOST)
                ? "listening on 127.0.0.1 only (this machine); --host 0.0.0.0 opens it to the network"
                : "listening on " + host + ": reachable by anyone who can reach this address");
        o.println("Ctrl-C stops it");
        o.flush();
        stopped.await();
        return 0;
    }
}
