package io.troupe.api.proxy.config;

import io.troupe.api.proxy.WebHandlers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One reloadable {@code .data} table of a module (BFE's table behind an RWMutex): the current immutable
 * snapshot, read by filters without a lock, and the reload handler that replaces it.
 *
 * <p>{@link #open} loads the file at init (an error fails the module's init, so the node does not start),
 * registers {@code /reload/<reloadName>} and reports the version with {@link WebHandlers#dataVersion}. A reload
 * loads the configured file, or the one named by {@code ?path=} for that reload only (as BFE), builds the whole
 * new value and only then swaps it in; when loading or checking fails the old snapshot keeps serving and the
 * error (naming file and field) is the reload's answer.
 *
 * <pre>{@code
 * DataTable<BlockRules> rules = DataTable.open(web, "mod_block.product_rule_table", path,
 *         BlockRules::load, BlockRules::version);
 * // hot path
 * BlockRules r = rules.get();
 * }</pre>
 *
 * @param <T> the immutable table type
 */
public final class DataTable<T> {

    /** Loads and checks a whole table from a file; throws naming the file and field when it is invalid. */
    @FunctionalInterface
    public interface Loader<T> {
        T load(Path file) throws Exception;
    }

    private final WebHandlers web;
    private final String reloadName;
    private final Path file;
    private final Path confRoot; // null: a relative ?path= is taken as given
    private final Loader<T> loader;
    private final Function<T, String> versionOf;
    private volatile T current;

    private DataTable(WebHandlers web, String reloadName, Path file, Path confRoot, Loader<T> loader,
                      Function<T, String> versionOf) {
        this.web = web;
        this.reloadName = reloadName;
        this.file = file;
        this.confRoot = confRoot;
        this.loader = loader;
        this.versionOf = versionOf;
    }

    /**
     * Loads {@code file}, registers the reload name and reports the version.
     *
     * @param web where {@code /reload/<reloadName>} is registered
     * @param reloadName the reload name, such as {@code mod_block.product_rule_table}
     * @param file the configured file, already resolved against the conf root
     * @param loader builds the table from a file
     * @param versionOf the table's version, reported to {@link WebHandlers#dataVersion} and answered by reloads
     * @throws Exception the loader's error, when the file is invalid
     */
    public static <T> DataTable<T> open(WebHandlers web, String reloadName, Path file, Loader<T> loader,
                                        Function<T, String> versionOf) throws Exception {
        return open(web, reloadName, file, null, loader, versionOf);
    }

    /**
     * As {@link #open(WebHandlers, String, Path, Loader, Function)}, but a relative {@code ?path=} of a reload is
     * taken relative to {@code confRoot} (as {@link ModuleConf#resolve}), not to the working directory.
     *
     * @param confRoot the node's conf root, or {@code null} to take {@code ?path=} as given
     */
    public static <T> DataTable<T> open(WebHandlers web, String reloadName, Path file, Path confRoot, Loader<T> loader,
                                        Function<T, String> versionOf) throws Exception {
        DataTable<T> t = new DataTable<>(Objects.requireNonNull(web, "web"), Objects.requireNonNull(reloadName),
                Objects.requireNonNull(file, "file"), confRoot, Objects.requireNonNull(loader),
                Objects.requireNonNull(versionOf));
        t.current = Objects.requireNonNull(loader.load(file), "loader returned null for " + file);
        web.registerReload(reloadName, t::reload);
        web.dataVersion(reloadName, versionOf.apply(t.current));
        return t;
    }

    /** The current snapshot; never {@code null}. */
    public T get() {
        return current;
    }

    /** The current snapshot's version. */
    public String version() {
        return versionOf.apply(current);
    }

    /** The configured file. */
    public Path file() {
        return file;
    }

    /** The reload name. */
    public String reloadName() {
        return reloadName;
    }

    /**
     * Loads the configured file, or {@code ?path=}, and swaps it in; on error keeps the old snapshot and throws.
     *
     * @return the new version
     */
    public synchronized String reload(Map<String, List<String>> params) throws Exception {
        Path from = file;
        List<String> p = params == null ? null : params.get("path");
        if (p != null && !p.isEmpty() && !p.get(0).isEmpty()) {
            from = confRoot == null ? Path.of(p.get(0)) : ModuleConf.resolve(confRoot, p.get(0));
        }
        T loaded = Objects.requireNonNull(loader.load(from), "loader returned null for " + from);
        current = loaded;
        String v = versionOf.apply(loaded);
        web.dataVersion(reloadName, v);
        return v;
    }
}
