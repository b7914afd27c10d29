import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePythonConfig } from "../../src/config/pyparse.js";
import { ReproError } from "../../src/util/errors.js";

const parse = (text: string) => parsePythonConfig(text, "net.config");

/** Asserts that parsing throws a ReproError with exactly this message. */
function rejects(text: string, message: string): void {
  assert.throws(
    () => parse(text),
    (e: unknown) => {
      assert.ok(e instanceof ReproError);
      assert.equal(e.message, message);
      return true;
    },
  );
}

const unsupported = (at: string, what: string) =>
  `net.config:${at}: unsupported Python syntax: ${what} (configs are parsed, not executed; \`repronet import\` runs a RETURNN config as Python)`;

test("integers, including negative, hex, octal, binary and underscores", () => {
  assert.deepEqual(parse("a = 512\nb = -3\nc = 0x1F\nd = 0o17\ne = 0b101\nf = 1_000\ng = 0"), {
    a: 512,
    b: -3,
    c: 31,
    d: 15,
    e: 5,
    f: 1000,
    g: 0,
  });
});

test("floats with exponents, leading and trailing dots", () => {
  assert.deepEqual(parse("a = 1e-4\nb = .5\nc = 5.\nd = -2.5E3\ne = 1.e2\nf = +0.25"), {
    a: 1e-4,
    b: 0.5,
    c: 5,
    d: -2500,
    e: 100,
    f: 0.25,
  });
});

test("True, False and None become true, false and null", () => {
  assert.deepEqual(parse("a = True\nb = False\nc = None"), { a: true, b: false, c: null });
});

test("single- and double-quoted strings with Python escapes", () => {
  const cfg = parse(String.raw`a = 'it\'s'
b = "tab\there\nnew \"q\" \\ \x41\u00e9\U0001F600\101"
c = "keep \d unknown escapes"
d = r"raw \d+\n"`);
  assert.deepEqual(cfg, {
    a: "it's",
    b: 'tab\there\nnew "q" \\ Aé\u{1F600}A',
    c: "keep \\d unknown escapes",
    d: "raw \\d+\\n",
  });
});

test("triple-quoted strings span lines", () => {
  assert.deepEqual(parse('a = """line 1\n  line "2"\n"""\nb = \'\'\'x\'\'\''), {
    a: 'line 1\n  line "2"\n',
    b: "x",
  });
});

test("adjacent strings are concatenated, also across lines in brackets", () => {
  assert.deepEqual(parse('a = "ab" \'cd\'\nb = ("e"\n     "f")'), { a: "abcd", b: "ef" });
});

test("lists and tuples become arrays; (x) is x and (x,) a one-element array", () => {
  assert.deepEqual(parse("a = [1, [2, 3], []]\nb = (1, 2)\nc = (1,)\nd = ()\ne = (1)\nf = 1, 2"), {
    a: [1, [2, 3], []],
    b: [1, 2],
    c: [1],
    d: [],
    e: 1,
    f: [1, 2],
  });
});

test("dicts, nested, with number keys and trailing commas", () => {
  assert.deepEqual(parse('a = {"x": {"y": [1, 2,],}, 3: "three",}\nb = {}'), {
    a: { x: { y: [1, 2] }, "3": "three" },
    b: {},
  });
});

test("brackets continue lines; comments and a backslash continuation are skipped", () => {
  const cfg = parse(
    '#!rnn.py\n# comment\na = {  # opening\n  "x": 1,  # one\n\n  "y": 2\n}\nb = \\\n  3  # trailing\n',
  );
  assert.deepEqual(cfg, { a: { x: 1, y: 2 }, b: 3 });
});

test("a reference to an earlier name is replaced by a deep copy of its value", () => {
  const cfg = parse('dim = 512\nlayer = {"n_out": dim, "shape": [dim]}\nnetwork = {"a": layer, "b": layer}');
  assert.deepEqual(cfg.network, { a: { n_out: 512, shape: [512] }, b: { n_out: 512, shape: [512] } });
  const net = cfg.network as Record<string, Record<string, unknown>>;
  assert.notEqual(net.a, net.b);
  assert.notEqual(net.a, cfg.layer);
});

test("a name can be used as a dict key", () => {
  assert.deepEqual(parse('target = "classes"\nd = {target: 1}'), { target: "classes", d: { classes: 1 } });
});

test("a later assignment overrides an earlier one", () => {
  assert.deepEqual(parse("a = 1\nb = a\na = 2"), { a: 2, b: 1 });
});

test("semicolons separate statements; docstrings are ignored", () => {
  assert.deepEqual(parse('"""Module docstring."""\na = 1; b = 2;\n'), { a: 1, b: 2 });
});

test("CRLF line endings and a BOM are accepted", () => {
  assert.deepEqual(parse("\uFEFFa = 1\r\nb = [1,\r\n 2]\r\n"), { a: 1, b: [1, 2] });
});

test("a __proto__ key becomes an own property, not the prototype", () => {
  const cfg = parse('a = {"__proto__": {"polluted": 1}}');
  const a = cfg.a as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(a), Object.prototype);
  assert.deepEqual(Object.keys(a), ["__proto__"]);
});

test("a function call is an error at the callee", () => {
  rejects("a = 1\nlr = float('1e-4')", unsupported("2:6", "function call"));
});

test("an import is an error", () => {
  rejects("a = 1\nimport numpy\n", unsupported("2:1", "import statement"));
  rejects("from returnn import x", unsupported("1:1", "import statement"));
});

test("arithmetic is an error at the operator", () => {
  rejects("dim = 512\nb = dim * 2", unsupported("2:9", "arithmetic operator '*'"));
  rejects("b = -dim", unsupported("1:5", "arithmetic operator '-' (only number literals may be signed)"));
});

test("comprehensions, defs, lambdas, attributes and subscriptions are errors", () => {
  rejects("a = [i for i in x]", unsupported("1:8", "comprehension"));
  rejects('a = {k: 1 for k in "ab"}', unsupported("1:11", "comprehension"));
  rejects("def f(x):\n  return x", unsupported("1:1", "function definition"));
  rejects("f = lambda x: x", unsupported("1:5", "lambda"));
  rejects('a = "x".upper', unsupported("1:5", "attribute access"));
  rejects("a = [1]\nb = a[0]", unsupported("2:5", "subscription"));
  rejects("a = {1, 2}", unsupported("1:5", "set literal"));
  rejects("a = 1 if True else 2", unsupported("1:7", "conditional expression"));
  rejects("a += 1", unsupported("1:3", "augmented assignment '+='"));
  rejects('a = f"{x}"', unsupported("1:5", "f-string"));
  rejects('print("hi")', unsupported("1:1", "function call"));
});

test("an unterminated string is an error at its start", () => {
  rejects('a = 1\nb = "abc\nc = 2', "net.config:2:5: unterminated string literal");
  rejects('a = """abc\n\n', "net.config:1:5: unterminated triple-quoted string literal");
});

test("unbalanced brackets are errors", () => {
  rejects('a = {"x": [1, 2}', "net.config:1:16: closing '}' does not match opening '[' at line 1, column 11");
  rejects("a = (1,\n  2\nb = 3\n", "net.config:1:5: '(' was never closed");
  rejects("a = 1)", "net.config:1:6: unmatched ')'");
});

test("an undefined name is an error", () => {
  rejects(
    "a = {'n_out': dim}\ndim = 5",
    "net.config:1:15: name 'dim' is not defined (only names assigned earlier in the config can be used)",
  );
});

test("names starting with _ are local helpers: usable in later values, absent from the config", () => {
  const config = parse("_dim = 512\n__ff = [2048]\nnetwork = {'ff': {'n_out': _dim, 'sizes': __ff}}");
  assert.deepEqual(config, { network: { ff: { n_out: 512, sizes: [2048] } } });
});

test("other syntax errors name line and column", () => {
  rejects("a = 1 2", "net.config:1:7: invalid syntax: a number cannot follow a value here (missing comma?)");
  rejects(
    "a = [1 2]",
    "net.config:1:8: invalid syntax: a number cannot follow a value here (missing comma?)",
  );
  rejects("a =\n", "net.config:1:4: invalid syntax: expected a value, found end of line");
  rejects("a = 1\n  b = 2", "net.config:2:3: unexpected indent");
  rejects("a = 012", "net.config:1:5: leading zeros in decimal integer literals are not permitted");
  rejects("a = $", 'net.config:1:5: invalid character "$"');
  rejects(
    'a = {"x" 1}',
    "net.config:1:10: invalid syntax: a number cannot follow a value here (missing comma?)",
  );
  rejects(
    'a = {"x": 1 "y": 2}',
    "net.config:1:13: invalid syntax: a string cannot follow a value here (missing comma?)",
  );
});

test("chained, tuple and annotated assignments are errors", () => {
  rejects("a = b = 1", unsupported("1:5", "chained assignment"));
  rejects("a, b = 1, 2", unsupported("1:1", "tuple assignment or expression statement"));
  rejects("a: int = 1", unsupported("1:2", "annotated assignment"));
});

test("bytes, complex numbers and malformed numbers are errors", () => {
  rejects('a = b"x"', unsupported("1:5", "bytes literal"));
  rejects("a = 2j", unsupported("1:5", "complex number"));
  rejects("a = 1abc", 'net.config:1:5: invalid number literal "1abc"');
  rejects(
    "a = 99999999999999999999",
    "net.config:1:5: integer 99999999999999999999 is too large to be represented exactly",
  );
});

test("brackets nested deeper than CPython allows are a one-line error, not a stack overflow", () => {
  const deep = (n: number) => `x = ${"[".repeat(n)}${"]".repeat(n)}\n`;
  assert.deepEqual(Object.keys(parsePythonConfig(deep(200), "c.py")), ["x"]);
  assert.throws(
    () => parsePythonConfig(deep(50_000), "c.py"),
    (e: unknown) =>
      e instanceof ReproError && /^c\.py:1:\d+: nested more than 200 levels deep/.test(e.message),
  );
});

test("the first unsupported statement is reported, not a lexer error further down", () => {
  const text = 'learning_rate = 0.1\nimport os\nx = 1\nname = f"{x}"\n';
  assert.throws(
    () => parsePythonConfig(text, "net.config"),
    (e: unknown) =>
      e instanceof ReproError &&
      e.message.startsWith("net.config:2:1: unsupported Python syntax: import statement"),
  );
});
