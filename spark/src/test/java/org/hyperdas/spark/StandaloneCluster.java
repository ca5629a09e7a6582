package org.hyperdas.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on localhost for tests: a Master and Workers, each its own JVM started
 * from this class path (the deploy classes ship in spark-core). A Worker launches executors with
 * the class path the application gives it (spark.executor.extraClassPath), over an empty Spark home.
 */
final class StandaloneCluster implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();

    private StandaloneCluster(Path dir, int port, Process master) {
        this.dir = dir;
        this.port = port;
        this.master = master;
    }

    static StandaloneCluster start(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("spark-home/jars"));
        int port = freePort();
        Process master = launch(dir, "master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--webui-port", "0"));
        StandaloneCluster c = new StandaloneCluster(dir, port, master);
        waitForPort(port, master, dir.resolve("master.log"));
        return c;
    }

    String url() {
        return "spark://127.0.0.1:" + port;
    }

    /** Starts a Worker with {@code cores} cores; returns its process. */
    Process startWorker(int cores) throws Exception {
        int n = workers.size();
        Path work = dir.resolve("work-" + n);
        Files.createDirectories(work);
        Process w = launch(dir, "worker-" + n, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                "--cores", Integer.toString(cores), "--memory", "2g", "--webui-port", "0", "--work-dir",
                work.toString(), url()));
        workers.add(w);
        return w;
    }

    private static Process launch(Path dir, String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(System.getProperty("spark.jvm.flags", "").split(" ")));
        cmd.removeIf(String::isEmpty);
        cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", dir.resolve("spark-home").toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        return pb.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the Master ended:\n" + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the Master did not listen on " + port + " within 90 s");
    }

    @Override
    public void close() throws InterruptedException {
        for (Process w : workers) {
            w.descendants().forEach(ProcessHandle::destroyForcibly);
            w.destroyForcibly();
            w.waitFor(30, TimeUnit.SECONDS);
        }
        master.destroyForcibly();
        master.waitFor(30, TimeUnit.SECONDS);
    }
}
