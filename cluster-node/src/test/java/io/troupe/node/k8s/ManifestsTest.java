package io.troupe.node.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.troupe.node.NodeConfig;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the Kubernetes base in {@code k8s/} (DESIGN.md §7): every manifest parses and has the fields the API
 * server requires, selectors match labels, container ports and probes match the node's ports, and the
 * kustomization, ConfigMap projection, RBAC and Dockerfile fit together.
 */
class ManifestsTest {

    /** Defaults of conf/cluster-node.conf and pekko-management (DESIGN.md §3, §6, §7). */
    static final int REMOTING_PORT = 7355;   // pekko.remote.artery.canonical.port
    static final int MANAGEMENT_PORT = 7626; // pekko.management.http.port: /ready, /alive, bootstrap
    static final int ADMIN_PORT = 8421;      // admin HTTP API
    static final int PROXY_HTTP_PORT = 8080; // proxy role HTTP listener
    static final int PROXY_HTTPS_PORT = 8443; // proxy role HTTPS listener
    /** Drain timeout assumed when conf/cluster-node.conf does not set a {@code *drain-timeout}. */
    static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** The pekko-management cluster-bootstrap service name; the {@code app} label of every node pod. */
    static final String SERVICE_NAME = "troupe";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final YAMLMapper YAML = new YAMLMapper();

    private static Path root;
    private static Path k8s;
    /** Every document of every manifest, keyed "file#index". */
    private static Map<String, JsonNode> docs;

    @BeforeAll
    static void load() throws IOException {
        root = repositoryRoot();
        k8s = root.resolve("k8s");
        docs = new TreeMap<>();
        try (Stream<Path> files = Files.list(k8s)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                int i = 0;
                try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (it.hasNext()) {
                        JsonNode doc = it.next();
                        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                            docs.put(k8s.relativize(f) + "#" + i++, doc);
                        }
                    }
                } catch (IOException e) {
                    fail("k8s/" + f.getFileName() + " does not parse: " + e.getMessage());
                }
            }
        }
        assertFalse(docs.isEmpty(), "no manifests found in " + k8s);
    }

    private static Path repositoryRoot() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("k8s/kustomization.yaml"))) {
                return p;
            }
        }
        throw new IllegalStateException("k8s/kustomization.yaml not found above " + Paths.get("").toAbsolutePath());
    }

    @Test
    void everyManifestHasApiVersionKindAndName() {
        for (Map.Entry<String, JsonNode> e : docs.entrySet()) {
            JsonNode d = e.getValue();
            String where = e.getKey();
            assertTrue(d.path("apiVersion").isTextual() && !d.path("apiVersion").asText().isBlank(),
                    where + ": apiVersion missing");
            assertTrue(d.path("kind").isTextual() && !d.path("kind").asText().isBlank(), where + ": kind missing");
            if (!d.path("kind").asText().equals("Kustomization")) {
                String name = d.path("metadata").path("name").asText("");
                assertTrue(DNS_LABEL.matcher(name).matches() && name.length() <= 63,
                        where + ": metadata.name '" + name + "' is not a DNS label");
            }
        }
    }

    @Test
    void kindsHaveTheFieldsTheApiServerRequires() {
        Set<String> kinds = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : docs.entrySet()) {
            JsonNode d = e.getValue();
            String where = e.getKey();
            String kind = d.path("kind").asText();
            kinds.add(kind);
            switch (kind) {
                case "Deployment" -> {
                    assertEquals("apps/v1", d.path("apiVersion").asText(), where);
                    assertTrue(d.path("spec").path("selector").path("matchLabels").size() > 0,
                            where + ": spec.selector.matchLabels missing");
                    checkPodSpec(where, d.path("spec").path("template"));
                }
                case "Job" -> {
                    assertEquals("batch/v1", d.path("apiVersion").asText(), where);
                    JsonNode template = d.path("spec").path("template");
                    checkPodSpec(where, template);
                    String restart = template.path("spec").path("restartPolicy").asText();
                    assertTrue(restart.equals("Never") || restart.equals("OnFailure"),
                            where + ": a Job's restartPolicy must be Never or OnFailure, is '" + restart + "'");
                }
                case "Service" -> {
                    assertEquals("v1", d.path("apiVersion").asText(), where);
                    JsonNode ports = d.path("spec").path("ports");
                    assertTrue(ports.isArray() && ports.size() > 0, where + ": spec.ports missing");
                    for (JsonNode p : ports) {
                        assertTrue(p.path("port").isInt(), where + ": port without a number");
                        assertTrue(PORT_NAME.matcher(p.path("name").asText()).matches(),
                                where + ": port name '" + p.path("name").asText() + "' invalid");
                    }
                }
                case "Role" -> {
                    assertEquals("rbac.authorization.k8s.io/v1", d.path("apiVersion").asText(), where);
                    assertTrue(d.path("rules").size() > 0, where + ": rules missing");
                }
                case "RoleBinding" -> {
                    assertEquals("rbac.authorization.k8s.io/v1", d.path("apiVersion").asText(), where);
                    assertTrue(d.path("roleRef").path("name").isTextual(), where + ": roleRef.name missing");
                    for (JsonNode s : d.path("subjects")) {
                        if (s.path("kind").asText().equals("ServiceAccount")) {
                            assertTrue(s.path("namespace").isTextual(), where + ": ServiceAccount subject needs a namespace");
                        }
                    }
                }
                case "PodDisruptionBudget" -> {
                    assertEquals("policy/v1", d.path("apiVersion").asText(), where);
                    assertTrue(d.path("spec").path("selector").path("matchLabels").size() > 0, where);
                }
                case "ServiceAccount", "Namespace" -> assertEquals("v1", d.path("apiVersion").asText(), where);
                case "Kustomization" -> assertEquals("kustomize.config.k8s.io/v1beta1",
                        d.path("apiVersion").asText(), where);
                default -> fail(where + ": unexpected kind " + kind + " (add checks for it here)");
            }
        }
        assertTrue(kinds.containsAll(Set.of("Deployment", "Service", "ServiceAccount", "Role", "RoleBinding",
                "Job", "Kustomization")), "missing kinds, have " + kinds);
    }

    private static void checkPodSpec(String where, JsonNode template) {
        JsonNode containers = template.path("spec").path("containers");
        assertTrue(containers.isArray() && containers.size() > 0, where + ": no containers");
        for (JsonNode c : containers) {
            assertTrue(DNS_LABEL.matcher(c.path("name").asText()).matches(), where + ": container name invalid");
            assertTrue(c.path("image").isTextual(), where + ": container without image");
            Set<String> names = new HashSet<>();
            for (JsonNode p : c.path("ports")) {
                String name = p.path("name").asText();
                assertTrue(PORT_NAME.matcher(name).matches() && name.length() <= 15,
                        where + ": port name '" + name + "' must be a lower-case IANA name of at most 15 characters");
                assertTrue(names.add(name), where + ": duplicate port name " + name);
                int port = p.path("containerPort").asInt(-1);
                assertTrue(port > 0 && port < 65536, where + ": containerPort " + port);
            }
        }
    }

    @Test
    void deploymentSelectorsMatchTheirTemplateLabels() {
        List<JsonNode> deployments = ofKind("Deployment");
        assertEquals(2, deployments.size(), "a worker and a proxy Deployment");
        for (JsonNode d : deployments) {
            Map<String, String> selector = strings(d.path("spec").path("selector").path("matchLabels"));
            Map<String, String> labels = strings(d.path("spec").path("template").path("metadata").path("labels"));
            assertTrue(labels.entrySet().containsAll(selector.entrySet()),
                    name(d) + ": selector " + selector + " does not match template labels " + labels);
        }
        for (JsonNode pdb : ofKind("PodDisruptionBudget")) {
            assertTrue(anyDeploymentMatches(strings(pdb.path("spec").path("selector").path("matchLabels"))),
                    name(pdb) + ": selector matches no Deployment");
        }
    }

    @Test
    void serviceSelectorsMatchDeploymentsAndTargetPortsExist() {
        List<JsonNode> services = ofKind("Service");
        assertFalse(services.isEmpty());
        for (JsonNode s : services) {
            Map<String, String> selector = strings(s.path("spec").path("selector"));
            assertFalse(selector.isEmpty(), name(s) + ": no selector");
            List<JsonNode> matched = ofKind("Deployment").stream()
                    .filter(d -> templateLabels(d).entrySet().containsAll(selector.entrySet())).toList();
            assertFalse(matched.isEmpty(), name(s) + ": selector " + selector + " matches no Deployment");
            for (JsonNode p : s.path("spec").path("ports")) {
                JsonNode target = p.path("targetPort");
                for (JsonNode d : matched) {
                    Map<String, Integer> ports = containerPorts(d);
                    if (target.isTextual()) {
                        assertTrue(ports.containsKey(target.asText()),
                                name(s) + ": targetPort " + target.asText() + " is not a port of " + name(d));
                    } else {
                        int n = target.isMissingNode() ? p.path("port").asInt() : target.asInt();
                        assertTrue(ports.containsValue(n), name(s) + ": targetPort " + n + " not on " + name(d));
                    }
                }
            }
        }
        JsonNode proxy = byName("Service", "troupe-proxy");
        Map<Integer, Integer> proxyPorts = new HashMap<>();
        for (JsonNode p : proxy.path("spec").path("ports")) {
            proxyPorts.put(p.path("port").asInt(), containerPorts(byName("Deployment", "troupe-proxy"))
                    .get(p.path("targetPort").asText()));
        }
        assertEquals(Map.of(80, PROXY_HTTP_PORT, 443, PROXY_HTTPS_PORT), proxyPorts);
    }

    @Test
    void containerPortsMatchTheNodePorts() {
        Map<String, Integer> node = Map.of("remoting", REMOTING_PORT, "management", MANAGEMENT_PORT,
                "admin", ADMIN_PORT);
        Map<String, Integer> proxyNode = new HashMap<>(node);
        proxyNode.put("http", PROXY_HTTP_PORT);
        proxyNode.put("https", PROXY_HTTPS_PORT);
        assertEquals(node, containerPorts(byName("Deployment", "troupe-worker")));
        assertEquals(proxyNode, containerPorts(byName("Deployment", "troupe-proxy")));
        JsonNode job = ofKind("Job").get(0);
        assertEquals(Map.of("remoting", REMOTING_PORT), containerPorts(job));
    }

    @Test
    void portsAgreeWithConfWhenItSetsThem() {
        Config conf = nodeConf();
        int checked = 0;
        if (conf.hasPath("pekko.remote.artery.canonical.port")) {
            assertEquals(REMOTING_PORT, conf.getInt("pekko.remote.artery.canonical.port"),
                    "conf/cluster-node.conf pekko.remote.artery.canonical.port vs k8s container port remoting");
            checked++;
        }
        if (conf.hasPath("pekko.management.http.port")) {
            assertEquals(MANAGEMENT_PORT, conf.getInt("pekko.management.http.port"),
                    "conf/cluster-node.conf pekko.management.http.port vs k8s container port management");
            checked++;
        }
        Assumptions.assumeTrue(checked > 0, "conf/cluster-node.conf sets neither port; defaults apply");
    }

    @Test
    void probesUseTheManagementPortHealthChecks() {
        for (JsonNode d : ofKind("Deployment")) {
            JsonNode c = d.path("spec").path("template").path("spec").path("containers").get(0);
            Map<String, Integer> ports = containerPorts(d);
            Map<String, String> paths = Map.of("readinessProbe", "/ready", "livenessProbe", "/alive",
                    "startupProbe", "/alive");
            for (Map.Entry<String, String> probe : paths.entrySet()) {
                JsonNode get = c.path(probe.getKey()).path("httpGet");
                assertFalse(get.isMissingNode(), name(d) + ": " + probe.getKey() + " missing");
                assertEquals(probe.getValue(), get.path("path").asText(), name(d) + ": " + probe.getKey() + " path");
                JsonNode port = get.path("port");
                int number = port.isTextual() ? ports.getOrDefault(port.asText(), -1) : port.asInt();
                assertEquals(MANAGEMENT_PORT, number, name(d) + ": " + probe.getKey() + " port " + port);
            }
        }
    }

    @Test
    void graceOutlastsTheDrainTimeout() {
        Config conf = nodeConf();
        for (JsonNode d : ofKind("Deployment")) {
            // each role drains its own way: troupe.<role>.drain-timeout (the booster client's is not a node's drain)
            String role = templateLabels(d).get("troupe.io/role");
            Duration drain = DEFAULT_DRAIN_TIMEOUT;
            String key = "troupe." + role + ".drain-timeout";
            if (conf.hasPath(key) && conf.getDuration(key).compareTo(drain) > 0) {
                drain = conf.getDuration(key);
            }
            long grace = d.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong(30);
            assertTrue(grace > drain.toSeconds(), name(d) + ": terminationGracePeriodSeconds " + grace
                    + " must exceed " + key + " " + drain.toSeconds() + " s");
        }
    }

    @Test
    void nodesFormOneClusterThroughBootstrap() {
        for (JsonNode d : ofKind("Deployment")) {
            assertEquals(SERVICE_NAME, templateLabels(d).get("app"), name(d) + ": app label");
            JsonNode spec = d.path("spec").path("template").path("spec");
            assertEquals("troupe", spec.path("serviceAccountName").asText(), name(d));
            Map<String, String> env = new HashMap<>();
            for (JsonNode e : spec.path("containers").get(0).path("env")) {
                env.put(e.path("name").asText(), e.path("value").asText(""));
            }
            assertEquals(SERVICE_NAME, env.get("PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME"), name(d));
            assertTrue(containerPorts(d).containsKey(env.get("PEKKO_CLUSTER_BOOTSTRAP_PORT_NAME")),
                    name(d) + ": bootstrap port name must be a container port");
            String opts = env.getOrDefault("JAVA_TOOL_OPTIONS", "");
            assertTrue(opts.contains("contact-point-discovery.discovery-method=kubernetes-api"), name(d) + ": " + opts);
            // troupe.node.hostname, not pekko's canonical.hostname: NodeConfig derives the latter from the former
            assertTrue(opts.contains("-Dtroupe.node.hostname=$(POD_IP)"), name(d) + ": remoting must use the pod IP");
            assertEquals("/etc/troupe/cluster-tls", env.get("TROUPE_CLUSTER_TLS_DIR"), name(d) + ": cluster TLS");
            boolean secretMounted = false;
            for (JsonNode v : spec.path("volumes")) {
                secretMounted |= v.path("secret").path("secretName").asText().equals("troupe-cluster-tls");
            }
            assertTrue(secretMounted, name(d) + ": the troupe-cluster-tls Secret must be a volume");
        }
        JsonNode job = ofKind("Job").get(0);
        assertFalse(SERVICE_NAME.equals(templateLabels(job).get("app")),
                "the booster Job must not be a bootstrap contact point");
        JsonNode role = byName("Role", "troupe-pod-reader");
        boolean podsReadable = false;
        for (JsonNode rule : role.path("rules")) {
            Set<String> verbs = new HashSet<>(texts(rule.path("verbs")));
            if (texts(rule.path("resources")).contains("pods") && texts(rule.path("apiGroups")).contains("")
                    && verbs.containsAll(Set.of("get", "watch", "list"))) {
                podsReadable = true;
            }
        }
        assertTrue(podsReadable, "Role troupe-pod-reader must allow get, watch, list on pods");
        JsonNode binding = ofKind("RoleBinding").get(0);
        assertEquals("troupe-pod-reader", binding.path("roleRef").path("name").asText());
        assertEquals("Role", binding.path("roleRef").path("kind").asText());
        byName("ServiceAccount", "troupe");
        assertTrue(binding.path("subjects").findValuesAsText("name").contains("troupe"),
                "RoleBinding must bind the troupe ServiceAccount the Deployments run as");
    }

    @Test
    void kustomizationListsExistingResourcesAndProjectsEveryConfFile() {
        JsonNode k = docs.get("kustomization.yaml#0");
        assertNotNull(k, "kustomization.yaml");
        Set<String> listed = new HashSet<>(texts(k.path("resources")));
        for (String r : listed) {
            assertTrue(Files.isRegularFile(k8s.resolve(r)), "kustomization.yaml: resource " + r + " does not exist");
        }
        try (Stream<Path> files = Files.list(k8s)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                String n = f.getFileName().toString();
                if (!n.equals("kustomization.yaml") && !n.equals("booster-job.yaml")) {
                    assertTrue(listed.contains(n), "k8s/" + n + " is not listed in kustomization.yaml resources");
                }
            }
        } catch (IOException e) {
            fail(e);
        }
        Map<String, String> keyToPath = confKeys(k);
        assertTrue(keyToPath.containsKey("cluster-node.conf"), "the ConfigMap must carry cluster-node.conf");
        for (JsonNode d : ofKind("Deployment")) {
            Map<String, String> projected = new HashMap<>();
            for (JsonNode v : d.path("spec").path("template").path("spec").path("volumes")) {
                for (JsonNode src : v.path("projected").path("sources")) {
                    if (src.path("configMap").path("name").asText().equals("troupe-conf")) {
                        for (JsonNode item : src.path("configMap").path("items")) {
                            projected.put(item.path("key").asText(), item.path("path").asText());
                        }
                    }
                }
            }
            assertEquals(keyToPath, projected, name(d) + ": projected conf items must map every ConfigMap key "
                    + "to its path under conf/");
            JsonNode container = d.path("spec").path("template").path("spec").path("containers").get(0);
            String mount = container.path("volumeMounts").get(0).path("mountPath").asText();
            List<String> args = texts(container.path("args"));
            assertEquals(mount, args.get(args.indexOf("--conf") + 1), name(d) + ": --conf must be the mounted conf");
        }
    }

    @Test
    void confFilesOfTheConfigMapExist() {
        Assumptions.assumeTrue(Files.isDirectory(root.resolve("conf")), "conf/ is not in this checkout");
        for (String path : confKeys(docs.get("kustomization.yaml#0")).values()) {
            assertTrue(Files.isRegularFile(root.resolve("conf").resolve(path)),
                    "k8s/kustomization.yaml configMapGenerator: conf/" + path + " does not exist");
        }
    }

    @Test
    void dockerfileBuildsFromThePackagedNodeAndExecsIt() throws IOException {
        List<String> lines = Files.readAllLines(k8s.resolve("Dockerfile"), StandardCharsets.UTF_8);
        assertTrue(lines.contains("FROM eclipse-temurin:17-jre"), "Dockerfile base image");
        assertTrue(lines.stream().anyMatch(l -> l.matches("COPY\\s+cluster-node/target/troupe/\\s+/opt/troupe/")),
                "Dockerfile copies cluster-node/target/troupe/");
        String entry = lines.stream().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElse("");
        assertTrue(entry.matches("ENTRYPOINT \\[\"[^\"]+\"\\]"), "ENTRYPOINT must be exec form so SIGTERM reaches "
                + "the JVM: " + entry);
        for (int port : new int[] {REMOTING_PORT, MANAGEMENT_PORT, ADMIN_PORT, PROXY_HTTP_PORT, PROXY_HTTPS_PORT}) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("EXPOSE") && l.contains(" " + port)),
                    "Dockerfile EXPOSE " + port);
        }
    }

    /** Renders the base with the real kustomize in kubectl, when kubectl is installed. */
    @Test
    @Tag("process")
    void kubectlKustomizeBuildsTheBase(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl not on PATH");
        Path copy = tmp.resolve("repo");
        copyTree(k8s, copy.resolve("k8s"));
        for (String path : confKeys(docs.get("kustomization.yaml#0")).values()) {
            Path src = root.resolve("conf").resolve(path);
            Path dst = copy.resolve("conf").resolve(path);
            Files.createDirectories(dst.getParent());
            if (Files.isRegularFile(src)) {
                Files.copy(src, dst);
            } else {
                Files.writeString(dst, "# placeholder for a file not in this checkout\n");
            }
        }
        Path out = tmp.resolve("out.yaml");
        Process p = new ProcessBuilder("kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone",
                copy.resolve("k8s").toString()).redirectErrorStream(false).redirectOutput(out.toFile())
                .redirectError(tmp.resolve("err.txt").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize did not finish");
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("err.txt")));
        List<JsonNode> rendered = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(out.toFile())) {
            it.forEachRemaining(rendered::add);
        }
        String configMap = rendered.stream().filter(d -> d.path("kind").asText().equals("ConfigMap"))
                .map(d -> d.path("metadata").path("name").asText()).findFirst().orElse("");
        assertTrue(configMap.startsWith("troupe-conf-"), "generated ConfigMap gets a content hash: " + configMap);
        for (JsonNode d : rendered) {
            assertEquals("troupe", d.path("metadata").path("namespace").asText("troupe"));
            if (d.path("kind").asText().equals("Deployment")) {
                assertTrue(d.toString().contains(configMap), "Deployment must reference " + configMap);
                assertEquals("troupe:0.1.0-SNAPSHOT",
                        d.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText());
            }
        }
    }

    // ---- helpers

    private static Config nodeConf() {
        Path f = root.resolve("conf/cluster-node.conf");
        if (!Files.isRegularFile(f)) {
            return ConfigFactory.empty();
        }
        // the node's effective configuration: built-in defaults < conf file, with troupe.node.* copied onto
        // the Pekko keys (pekko-remote's own reference default port, 17355, is not what a node uses)
        return NodeConfig.load(f, true, Map.of());
    }

    private static Map<String, String> confKeys(JsonNode kustomization) {
        Map<String, String> keyToPath = new HashMap<>();
        for (JsonNode gen : kustomization.path("configMapGenerator")) {
            if (!gen.path("name").asText().equals("troupe-conf")) {
                continue;
            }
            for (String entry : texts(gen.path("files"))) {
                int eq = entry.indexOf('=');
                assertTrue(eq > 0, "configMapGenerator entry without key: " + entry);
                String key = entry.substring(0, eq);
                String file = entry.substring(eq + 1);
                assertTrue(file.startsWith("../conf/"), "configMapGenerator file must come from conf/: " + file);
                String path = file.substring("../conf/".length());
                assertEquals(path.replace("/", "__"), key, "ConfigMap key for conf/" + path);
                keyToPath.put(key, path);
            }
        }
        assertFalse(keyToPath.isEmpty(), "kustomization.yaml has no troupe-conf configMapGenerator");
        return keyToPath;
    }

    private static boolean anyDeploymentMatches(Map<String, String> selector) {
        return ofKind("Deployment").stream().anyMatch(d -> templateLabels(d).entrySet().containsAll(selector.entrySet()));
    }

    private static List<JsonNode> ofKind(String kind) {
        return docs.values().stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static JsonNode byName(String kind, String name) {
        return ofKind(kind).stream().filter(d -> name(d).equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
    }

    private static String name(JsonNode d) {
        return d.path("metadata").path("name").asText();
    }

    private static Map<String, String> templateLabels(JsonNode workload) {
        return strings(workload.path("spec").path("template").path("metadata").path("labels"));
    }

    private static Map<String, Integer> containerPorts(JsonNode workload) {
        Map<String, Integer> ports = new HashMap<>();
        for (JsonNode c : workload.path("spec").path("template").path("spec").path("containers")) {
            for (JsonNode p : c.path("ports")) {
                ports.put(p.path("name").asText(), p.path("containerPort").asInt());
            }
        }
        return ports;
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> m = new HashMap<>();
        object.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static List<String> texts(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }

    private static List<String> texts(List<JsonNode> nodes) {
        List<String> l = new ArrayList<>();
        nodes.forEach(n -> l.add(n.asText()));
        return l;
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Paths.get(dir, exe)));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst);
                }
            }
        }
    }
}
