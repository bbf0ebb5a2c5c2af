package dev.quarry.embedded;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.node.QuarryNode;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts one real Elasticsearch 8 node in this JVM and keeps it running until the process
 * is told to stop (SIGTERM/SIGINT), then closes it cleanly so its data survives restarts.
 *
 * Arguments: -basePath DIR -httpPort P [-transportPort P] [-host H] [-clusterName NAME]
 * [-nodeName NAME] [-seedHosts H:P,...] [-initialMasterNodes NAME,...]
 *
 * Without -seedHosts the node is a cluster of its own (discovery.type=single-node). With them it
 * joins the nodes listening on those transport addresses; -initialMasterNodes names the nodes
 * that elect the first master of a new cluster (ignored once the cluster has formed).
 */
public final class EmbeddedElasticsearch {

    public static void main(String[] args) throws Exception {
        Path basePath = null;
        int httpPort = 9201;
        int transportPort = -1;
        String host = "127.0.0.1";
        String clusterName = "quarry";
        String nodeName = null;
        String seedHosts = null;
        String initialMasterNodes = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "-basePath" -> basePath = Path.of(require(args[i], value)).toAbsolutePath();
                case "-httpPort" -> httpPort = Integer.parseInt(require(args[i], value));
                case "-transportPort" -> transportPort = Integer.parseInt(require(args[i], value));
                case "-host" -> host = require(args[i], value);
                case "-clusterName" -> clusterName = require(args[i], value);
                case "-nodeName" -> nodeName = require(args[i], value);
                case "-seedHosts" -> seedHosts = require(args[i], value);
                case "-initialMasterNodes" -> initialMasterNodes = require(args[i], value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        if (basePath == null) {
            throw new IllegalArgumentException("-basePath is required");
        }
        if (transportPort < 0) {
            transportPort = httpPort + 100;
        }
        if (nodeName == null) {
            nodeName = clusterName + "-node";
        }
        Files.createDirectories(basePath.resolve("data"));
        Files.createDirectories(basePath.resolve("logs"));
        Files.createDirectories(basePath.resolve("config"));

        Settings.Builder builder = Settings.builder()
            .put("path.home", basePath.toString())
            .put("path.data", basePath.resolve("data").toString())
            .put("path.logs", basePath.resolve("logs").toString())
            .put("cluster.name", clusterName)
            .put("node.name", nodeName)
            .put("network.host", host)
            .put("http.port", httpPort)
            .put("transport.port", transportPort)
            .put("http.type", Netty4Plugin.NETTY_HTTP_TRANSPORT_NAME)
            .put("transport.type", Netty4Plugin.NETTY_TRANSPORT_NAME)
            // A developer machine's disk is often fuller than a server's; the default
            // watermarks would turn indices read-only long before the disk is at risk.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.destructive_requires_name", true);
        if (seedHosts == null) {
            builder.put("discovery.type", "single-node");
        } else {
            builder.putList("discovery.seed_hosts", seedHosts.split(","));
            if (initialMasterNodes != null) {
                builder.putList("cluster.initial_master_nodes", initialMasterNodes.split(","));
            }
        }
        Settings settings = builder.build();

        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(settings);
        LogConfigurator.setNodeName(nodeName);
        LogConfigurator.setClusterName(clusterName);

        String name = nodeName;
        Node node = new QuarryNode(
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> name),
            List.of(Netty4Plugin.class, QuarryNodePlugin.class)
        );
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("error while stopping Elasticsearch: " + e);
            } finally {
                stopped.countDown();
            }
        }, "quarry-es-shutdown"));
        node.start();
        System.out.println("quarry-embedded-elasticsearch started on http://" + host + ":" + httpPort);
        stopped.await();
    }

    private static String require(String flag, String value) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }
}
