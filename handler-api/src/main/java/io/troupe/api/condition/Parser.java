package io.troupe.api.condition;

import io.troupe.api.condition.Lexer.Kind;
import io.troupe.api.condition.Lexer.Token;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses tokens into a syntax tree with BFE's grammar and precedence. BFE's yacc grammar declares
 * {@code %left LAND} before {@code %left LOR}, so {@code ||} binds tighter than {@code &&}
 * ({@code a && b || c} is {@code a && (b || c)}), and {@code !} binds tightest; both binary operators
 * are left-associative.
 */
final class Parser {

    /** A node of the syntax tree. */
    sealed interface Node permits Call, Var, And, Or, Not, Paren {
        /** Where the node's operator or name is. */
        int pos();

        /** Where the node's text starts. */
        int start();

        /** Where the node's text ends (exclusive). */
        int end();
    }

    /** A primitive call; {@code source} is its text as written. */
    record Call(String name, int pos, List<Token> args, String source) implements Node {
        public int start() {
            return pos;
        }

        public int end() {
            return pos + source.length();
        }
    }

    /** A condition variable reference ({@code name} or {@code $name}). */
    record Var(String name, int pos, int end) implements Node {
        public int start() {
            return pos;
        }
    }

    record And(Node left, Node right, int pos) implements Node {
        public int start() {
            return left.start();
        }

        public int end() {
            return right.end();
        }
    }

    record Or(Node left, Node right, int pos) implements Node {
        public int start() {
            return left.start();
        }

        public int end() {
            return right.end();
        }
    }

    record Not(Node operand, int pos) implements Node {
        public int start() {
            return pos;
        }

        public int end() {
            return operand.end();
        }
    }

    record Paren(Node inner, int pos, int end) implements Node {
        public int start() {
            return pos;
        }
    }

    // guards against stack overflow on hostile input such as 100k '!' or '('
    private static final int MAX_DEPTH = 500;

    private final String src;
    private final Lexer lexer;
    private Token current;
    private int depth;

    private Parser(String src) {
        this.src = src;
        this.lexer = new Lexer(src);
    }

    static Node parse(String src) throws ConditionException {
        Parser p = new Parser(src);
        if (p.peek().kind() == Kind.EOF) {
            throw new ConditionException(0, "syntax error: empty condition");
        }
        Node node = p.andExpr();
        Token rest = p.peek();
        if (rest.kind() != Kind.EOF) {
            throw unexpected(rest, "'&&', '||' or end of condition");
        }
        return node;
    }

    // tokens are scanned only when the parser needs them (one token of lookahead, like yacc)
    private Token peek() throws ConditionException {
        if (current == null) {
            current = lexer.next();
        }
        return current;
    }

    private Token take() throws ConditionException {
        Token t = peek();
        if (t.kind() != Kind.EOF) {
            current = null;
        }
        return t;
    }

    private static ConditionException unexpected(Token t, String expected) {
        return new ConditionException(t.pos(), "syntax error: unexpected " + t.describe() + ", expecting " + expected);
    }

    private Node andExpr() throws ConditionException {
        Node left = orExpr();
        while (peek().kind() == Kind.AND) {
            int opPos = take().pos();
            Node right = orExpr();
            left = new And(left, right, opPos);
        }
        return left;
    }

    private Node orExpr() throws ConditionException {
        Node left = unary();
        while (peek().kind() == Kind.OR) {
            int opPos = take().pos();
            Node right = unary();
            left = new Or(left, right, opPos);
        }
        return left;
    }

    private Node unary() throws ConditionException {
        if (++depth > MAX_DEPTH) {
            throw new ConditionException(peek().pos(), "condition nested deeper than " + MAX_DEPTH + " levels");
        }
        try {
            Token t = peek();
            if (t.kind() == Kind.NOT) {
                take();
                return new Not(unary(), t.pos());
            }
            return primary();
        } finally {
            depth--;
        }
    }

    private Node primary() throws ConditionException {
        Token t = take();
        switch (t.kind()) {
            case LPAREN -> {
                Node inner = andExpr();
                Token close = take();
                if (close.kind() != Kind.RPAREN) {
                    throw unexpected(close, "')'");
                }
                return new Paren(inner, t.pos(), close.end());
            }
            case IDENT -> {
                if (peek().kind() == Kind.LPAREN) {
                    return call(t);
                }
                return new Var(t.value(), t.pos(), t.end());
            }
            case VAR -> {
                return new Var(t.value(), t.pos(), t.end());
            }
            default -> throw unexpected(t, "a primitive call, '!' or '('");
        }
    }

    private Call call(Token name) throws ConditionException {
        take(); // '('
        List<Token> args = new ArrayList<>();
        if (peek().kind() == Kind.RPAREN) {
            Token close = take();
            return new Call(name.value(), name.pos(), List.of(), src.substring(name.pos(), close.end()));
        }
        while (true) {
            Token arg = take();
            switch (arg.kind()) {
                case STRING, BOOL, INT, FLOAT -> args.add(arg);
                default -> throw unexpected(arg, "an argument (string, true, false or number)");
            }
            Token sep = take();
            if (sep.kind() == Kind.RPAREN) {
                return new Call(name.value(), name.pos(), List.copyOf(args), src.substring(name.pos(), sep.end()));
            }
            if (sep.kind() != Kind.COMMA) {
                throw unexpected(sep, "',' or ')'");
            }
        }
    }
}
