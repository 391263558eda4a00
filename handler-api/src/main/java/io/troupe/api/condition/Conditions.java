package io.troupe.api.condition;

import io.troupe.api.condition.Parser.And;
import io.troupe.api.condition.Parser.Call;
import io.troupe.api.condition.Parser.Node;
import io.troupe.api.condition.Parser.Not;
import io.troupe.api.condition.Parser.Or;
import io.troupe.api.condition.Parser.Paren;
import io.troupe.api.condition.Parser.Var;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds conditions from BFE's condition language ({@code Cond} in {@code route_rule.data} and module
 * rules), with BFE's grammar, precedence and primitive semantics. See {@code docs/conditions.md}.
 *
 * <p>Building parses, checks every primitive's name and argument types, and compiles the expression
 * into a tree of small immutable objects with lists, regular expressions, IP ranges and hash buckets
 * prepared up front, so {@link Condition#match} is cheap and thread-safe.
 */
public final class Conditions {
    private Conditions() {}

    /**
     * Parses and compiles an expression that uses no condition variables.
     *
     * @throws ConditionException with the position and reason when it does not build
     */
    public static Condition build(String expression) throws ConditionException {
        return buildWithWarnings(expression, Map.of()).condition();
    }

    /**
     * Parses and compiles an expression whose identifiers ({@code name} or {@code $name}) refer to
     * already built conditions.
     *
     * @param variables condition variables by name (without {@code $})
     * @throws ConditionException with the position and reason when it does not build, including an
     *     identifier that is not in {@code variables}
     */
    public static Condition build(String expression, Map<String, Condition> variables) throws ConditionException {
        return buildWithWarnings(expression, variables).condition();
    }

    /**
     * Like {@link #build(String)}, also returning warnings, such as {@code &&} and {@code ||} mixed
     * without parentheses (BFE's parser binds {@code ||} tighter than {@code &&}, unlike C and BFE's docs).
     */
    public static BuiltCondition buildWithWarnings(String expression) throws ConditionException {
        return buildWithWarnings(expression, Map.of());
    }

    /** Like {@link #build(String, Map)}, also returning warnings. */
    public static BuiltCondition buildWithWarnings(String expression, Map<String, Condition> variables)
            throws ConditionException {
        String src = expression == null ? "" : expression;
        Node root = Parser.parse(src);
        // same order of checks as BFE: prototypes first, then unresolved variables, then values
        checkPrototypes(root);
        checkVariables(root, variables == null ? Map.of() : variables);
        List<ConditionWarning> warnings = new ArrayList<>();
        collectWarnings(root, src, warnings);
        return new BuiltCondition(compile(root, variables == null ? Map.of() : variables), warnings);
    }

    /** The names of all primitives this implementation knows, in BFE's table order. */
    public static Set<String> primitiveNames() {
        return java.util.Collections.unmodifiableSet(Primitives.names());
    }

    // visits calls and variables left to right, as BFE's ast.Inspect does
    private interface Visitor {
        void visit(Node leaf) throws ConditionException;
    }

    private static void walk(Node node, Visitor visitor) throws ConditionException {
        if (node instanceof And a) {
            walk(a.left(), visitor);
            walk(a.right(), visitor);
        } else if (node instanceof Or o) {
            walk(o.left(), visitor);
            walk(o.right(), visitor);
        } else if (node instanceof Not n) {
            walk(n.operand(), visitor);
        } else if (node instanceof Paren p) {
            walk(p.inner(), visitor);
        } else {
            visitor.visit(node);
        }
    }

    private static void checkPrototypes(Node root) throws ConditionException {
        walk(root, leaf -> {
            if (leaf instanceof Call c) {
                Primitives.check(c);
            }
        });
    }

    private static void checkVariables(Node root, Map<String, Condition> variables) throws ConditionException {
        walk(root, leaf -> {
            if (leaf instanceof Var v && variables.get(v.name()) == null) {
                throw new ConditionException(v.pos(), "found unresolved variable " + v.name()
                        + (variables.isEmpty() ? " (no condition variables are defined here)" : ""));
            }
        });
    }

    // an && with a bare || as an operand: BFE reads "a && b || c" as "a && (b || c)"
    private static void collectWarnings(Node node, String src, List<ConditionWarning> out) {
        if (node instanceof And a) {
            collectWarnings(a.left(), src, out);
            warnIfBareOr(a.left(), src, out);
            warnIfBareOr(a.right(), src, out);
            collectWarnings(a.right(), src, out);
        } else if (node instanceof Or o) {
            collectWarnings(o.left(), src, out);
            collectWarnings(o.right(), src, out);
        } else if (node instanceof Not n) {
            collectWarnings(n.operand(), src, out);
        } else if (node instanceof Paren p) {
            collectWarnings(p.inner(), src, out);
        }
    }

    private static void warnIfBareOr(Node child, String src, List<ConditionWarning> out) {
        if (child instanceof Or or) {
            String grouped = src.substring(or.start(), or.end()).replaceAll("\\s+", " ");
            out.add(new ConditionWarning(or.pos(), "'&&' and '||' mixed without parentheses: BFE binds '||' tighter"
                    + " than '&&' (unlike C and BFE's docs), so this groups as (" + grouped + ")"
                    + "; add parentheses to make the grouping explicit"));
        }
    }

    private static Condition compile(Node node, Map<String, Condition> variables) throws ConditionException {
        if (node instanceof Call c) {
            return Primitives.build(c);
        } else if (node instanceof Var v) {
            return new Logic.Variable(v.name(), variables.get(v.name()));
        } else if (node instanceof And a) {
            return new Logic.And(compile(a.left(), variables), compile(a.right(), variables));
        } else if (node instanceof Or o) {
            return new Logic.Or(compile(o.left(), variables), compile(o.right(), variables));
        } else if (node instanceof Not n) {
            return new Logic.Not(compile(n.operand(), variables));
        } else {
            return compile(((Paren) node).inner(), variables);
        }
    }
}
