package io.troupe.proxy.route;

/** The current {@link NameConf}, read without an ask or a lock; only {@link NameConfActor} replaces it. */
public final class NameHolder {
    private volatile NameConf names;

    public NameHolder(NameConf initial) {
        this.names = initial;
    }

    public NameConf get() {
        return names;
    }

    void set(NameConf next) {
        this.names = next;
    }
}
