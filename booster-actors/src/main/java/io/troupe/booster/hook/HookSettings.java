package io.troupe.booster.hook;

import java.nio.file.Path;

/**
 * The hook flags of the booster.
 *
 * @param mode {@code --hook_mode}, or {@code null}: preload where the library exists, shims otherwise
 * @param preloadLibrary {@code --hook_preload_library}, or {@code null}: this installation's libtroupe-hook.so
 */
public record HookSettings(HookMode mode, Path preloadLibrary) {

    /** No hook flags given: the defaults. */
    public static HookSettings defaults() {
        return new HookSettings(null, null);
    }
}
