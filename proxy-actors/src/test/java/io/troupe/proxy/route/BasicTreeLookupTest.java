package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** BFE's basic rule tree lookups, including the shortcuts taken when no longer prefix or no suffix is listed. */
class BasicTreeLookupTest {

    @Test
    void prefixMatchesAtSegmentBoundariesAndTheLongestWins() {
        RouteRules.PathTable t = new RouteRules.PathTable();
        t.insert("/foo*", "c_foo");
        t.insert("/foo/bar/baz*", "c_deep");
        t.insert("/exact", "c_exact");
        assertEquals("c_foo", t.find("/foo"));
        assertEquals("c_foo", t.find("/foo/"));
        assertEquals("c_foo", t.find("/foo/bar"));
        assertEquals("c_deep", t.find("/foo/bar/baz"));
        assertEquals("c_deep", t.find("/foo/bar/baz/x"));
        assertNull(t.find("/foobar"));
        assertEquals("c_exact", t.find("/exact"));
        assertNull(t.find("/exact/x"));
        assertNull(t.find(""));
        t.insert("*", "c_all");
        assertEquals("c_all", t.find("/foobar"));
        assertEquals("c_all", t.find(""));
    }

    @Test
    void onlyStarOrAShortPrefixNeedsNoCopyOfThePath() {
        RouteRules.PathTable star = new RouteRules.PathTable();
        star.insert("*", "c");
        assertEquals("c", star.find("/index.html"));
        assertEquals("c", star.find(""));
        RouteRules.PathTable root = new RouteRules.PathTable();
        root.insert("/*", "c_root");
        assertEquals("c_root", root.find(""));
        assertEquals("c_root", root.find("/"));
        assertEquals("c_root", root.find("/index.html"));
        assertNull(root.find("index.html"));
    }

    @Test
    void wildcardHostCoversOneLabelAndBareStarTheRest() {
        RouteRules.BasicTree tree = new RouteRules.BasicTree();
        tree.hostTable("*").insert("*", "c_any");
        assertEquals("c_any", RouteRules.basicLookup(tree, "a.b.example.org", "/"));
        tree.hostTable("*.example.org").insert("*", "c_sub");
        tree.hostTable("example.org").insert("*", "c_exact");
        assertEquals("c_sub", RouteRules.basicLookup(tree, "a.example.org", "/"));
        assertEquals("c_any", RouteRules.basicLookup(tree, "a.b.example.org", "/"));
        assertEquals("c_exact", RouteRules.basicLookup(tree, "example.org", "/"));
    }
}
