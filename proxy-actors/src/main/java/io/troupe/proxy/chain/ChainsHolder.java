package io.troupe.proxy.chain;

/** The current {@link Chains} snapshot: written by the {@link ChainRegistry}, read by every connection. */
public final class ChainsHolder {
    private volatile Chains current = Chains.EMPTY;

    public Chains current() {
        return current;
    }

    void publish(Chains chains) {
        current = chains;
    }
}
