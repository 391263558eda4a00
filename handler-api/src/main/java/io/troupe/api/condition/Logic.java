package io.troupe.api.condition;

import io.troupe.api.proxy.Request;

/** The operators of compiled conditions; {@code toString} shows the grouping the parser chose. */
final class Logic {
    private Logic() {}

    static final class And implements Condition {
        private final Condition left;
        private final Condition right;

        And(Condition left, Condition right) {
            this.left = left;
            this.right = right;
        }

        @Override
        public boolean match(Request request) {
            return left.match(request) && right.match(request);
        }

        Condition left() {
            return left;
        }

        Condition right() {
            return right;
        }

        @Override
        public String toString() {
            return "(" + left + " && " + right + ")";
        }
    }

    static final class Or implements Condition {
        private final Condition left;
        private final Condition right;

        Or(Condition left, Condition right) {
            this.left = left;
            this.right = right;
        }

        @Override
        public boolean match(Request request) {
            return left.match(request) || right.match(request);
        }

        @Override
        public String toString() {
            return "(" + left + " || " + right + ")";
        }
    }

    static final class Not implements Condition {
        private final Condition operand;

        Not(Condition operand) {
            this.operand = operand;
        }

        @Override
        public boolean match(Request request) {
            return !operand.match(request);
        }

        @Override
        public String toString() {
            return "!" + operand;
        }
    }

    /** A named condition variable; evaluates the condition it was bound to. */
    static final class Variable implements Condition {
        private final String name;
        private final Condition target;

        Variable(String name, Condition target) {
            this.name = name;
            this.target = target;
        }

        @Override
        public boolean match(Request request) {
            return target.match(request);
        }

        @Override
        public String toString() {
            return "$" + name;
        }
    }

    /** A primitive whose answer is fixed, such as {@code default_t()}. */
    static final class Constant extends Primitives.Primitive {
        private final boolean value;

        Constant(boolean value, String source) {
            super(source);
            this.value = value;
        }

        @Override
        public boolean match(Request request) {
            return value;
        }
    }
}
