package io.troupe.module.block;

/**
 * What mod_block stores in the request context under {@link ModBlock#CTX_BLOCK_INFO} when a rule matched
 * (ALLOW or CLOSE), for the access log (BFE's {@code BlockInfo}).
 *
 * @param blockRuleName the matched rule's {@code Name}
 */
public record BlockInfo(String blockRuleName) {}
