package io.troupe.booster.handler;

/**
 * Marks a built-in handler whose hooks are cheap computations that never block (no files, no processes, no
 * network): the booster calls them on the sub-work actor's own thread instead of handing each call to the
 * blocking dispatcher, which saves two thread hand-offs per hook. Plugin handlers never get this treatment,
 * whatever they implement: their hooks always run on {@code troupe.blocking-dispatcher}.
 */
public interface InlineHooks {}
