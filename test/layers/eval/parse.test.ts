import assert from "node:assert/strict";
import { test } from "node:test";
import { type Node, parseExpression } from "../../../src/layers/eval/parse.js";
import { EvalSyntaxError, tokenize } from "../../../src/layers/eval/tokenize.js";

/** The AST as a compact S-expression. */
function show(n: Node): string {
  switch (n.type) {
    case "number":
      return String(n.value);
    case "const":
      return String(n.value);
    case "name":
      return n.name;
    case "list":
      return `[${n.items.map(show).join(" ")}]`;
    case "unary":
      return `(${n.op} ${show(n.operand)})`;
    case "binary":
      return `(${n.op} ${show(n.left)} ${show(n.right)})`;
    case "call":
      return `${n.callee}(${[...n.args.map(show), ...n.kwargs.map((k) => `${k.name}=${show(k.value)}`)].join(" ")})`;
  }
}
const p = (src: string) => show(parseExpression(src));

test("* and / bind tighter than + and -, which are left-associative", () => {
  assert.equal(p("1 + 2 * 3"), "(+ 1 (* 2 3))");
  assert.equal(p("1 - 2 - 3"), "(- (- 1 2) 3)");
  assert.equal(p("8 / 4 / 2"), "(/ (/ 8 4) 2)");
  assert.equal(p("(1 + 2) * 3"), "(* (+ 1 2) 3)");
});

test("** is right-associative and binds tighter than unary minus on its left", () => {
  assert.equal(p("2 ** 3 ** 2"), "(** 2 (** 3 2))");
  assert.equal(p("-2 ** 2"), "(- (** 2 2))");
  assert.equal(p("2 ** -1"), "(** 2 (- 1))");
  assert.equal(p("-x * y"), "(* (- x) y)");
  assert.equal(p("--1"), "(- (- 1))");
});

test("comparisons bind loosest", () => {
  assert.equal(p("source(0) + 1 >= 2 * 3"), "(>= (+ source(0) 1) (* 2 3))");
  assert.equal(p("a != b"), "(!= a b)");
});

test("numbers: integers, decimals, exponents, underscores", () => {
  assert.equal(p("1e-3"), "0.001");
  assert.equal(p("2.5E+2"), "250");
  assert.equal(p(".5"), "0.5");
  assert.equal(p("5."), "5");
  assert.equal(p("1_000"), "1000");
  assert.equal(p("5.656854249492381"), "5.656854249492381");
});

test("dotted names are kept whole: tf., tf.math., tf.nn. calls", () => {
  assert.equal(p("tf.reduce_sum(x)"), "tf.reduce_sum(x)");
  assert.equal(p("tf.math.exp(x)"), "tf.math.exp(x)");
  assert.equal(p("tf.nn.relu(x)"), "tf.nn.relu(x)");
});

test("calls take positional then keyword arguments", () => {
  assert.equal(p("source(0, auto_convert=False)"), "source(0 auto_convert=false)");
  assert.equal(p("reduce_sum(source(0), axis=-1)"), "reduce_sum(source(0) axis=(- 1))");
  assert.equal(p("f(a, b,)"), "f(a b)");
  assert.equal(p("f()"), "f()");
  assert.equal(p("source(0, as_data=None)"), "source(0 as_data=null)");
});

test("lists and tuples", () => {
  assert.equal(p("[0, 1]"), "[0 1]");
  assert.equal(p("(0, 1)"), "[0 1]");
  assert.equal(p("(0,)"), "[0]");
  assert.equal(p("()"), "[]");
  assert.equal(p("reduce_sum(x, axis=[1, 2])"), "reduce_sum(x axis=[1 2])");
});

test("whitespace and newlines are ignored", () => {
  assert.equal(p(" 0.0 *\n  tf.reduce_sum( source( 0 ) ) "), "(* 0 tf.reduce_sum(source(0)))");
});

function syntaxError(src: string, pattern: RegExp, pos?: number): void {
  assert.throws(
    () => parseExpression(src),
    (e: unknown) =>
      e instanceof EvalSyntaxError && pattern.test(e.message) && (pos === undefined || e.pos === pos),
    src,
  );
}

test("syntax errors name the problem and its position", () => {
  syntaxError("1 +", /expected a number, a name or "\(", found end of expression/, 3);
  syntaxError("source(0", /expected "\)"/);
  syntaxError("1 2", /unexpected input, found "2"/, 2);
  syntaxError("a < b < c", /chained comparisons/);
  syntaxError("x // 2", /operator "\/\/" is not supported/, 2);
  syntaxError("x % 2", /operator "%" is not supported/);
  syntaxError("'abc'", /string literals are not supported/);
  syntaxError("f(a=1, 2)", /positional argument follows keyword argument/);
  syntaxError("f(a=1, a=2)", /keyword argument "a" repeated/);
  syntaxError("1x", /invalid number "1x"/);
  syntaxError("x $ y", /unexpected character "\$"/, 2);
  syntaxError("tf.", /expected a name after "."/);
});

test("tokenize ends with an end token and records offsets", () => {
  const t = tokenize("a**2");
  assert.deepEqual(
    t.map((x) => [x.kind, x.text, x.pos]),
    [
      ["name", "a", 0],
      ["op", "**", 1],
      ["number", "2", 3],
      ["end", "end of expression", 4],
    ],
  );
});
