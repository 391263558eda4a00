package io.troupe.booster;

import java.util.List;

/** Ending a process and everything it started, shared by the booster client, the controller and the worker. */
public final class ProcessTrees {
    private ProcessTrees() {}

    /**
     * Ends {@code root} and its descendants: SIGKILL when {@code forcibly}, else SIGTERM. The descendants are listed
     * before anything is signalled (a dead shell's children move to init and leave its tree), and the root is
     * signalled first: a shell ended after its child could run its next command ("make; echo done") in between.
     *
     * @return the descendants that were signalled
     */
    public static List<ProcessHandle> end(Process root, boolean forcibly) {
        return end(root, forcibly, descendants -> { });
    }

    /**
     * As {@link #end(Process, boolean)}, telling {@code beforeSignal} what will be signalled before anything is:
     * whoever sees the root die must already know it was ended, and what with.
     */
    public static List<ProcessHandle> end(
            Process root, boolean forcibly, java.util.function.Consumer<List<ProcessHandle>> beforeSignal) {
        List<ProcessHandle> descendants = root.descendants().toList();
        beforeSignal.accept(descendants);
        if (forcibly) {
            root.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
        } else {
            root.destroy();
            descendants.forEach(ProcessHandle::destroy);
        }
        return descendants;
    }
}
