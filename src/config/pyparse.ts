import { isPlainObject, setOwn } from "./plain.js";
import { type Position, PySyntaxError, syntaxError, type Token, tokenize, unsupported } from "./pylex.js";

/**
 * Parses a RETURNN-style Python config: a sequence of `name = <literal>`
 * assignments. Nothing is executed: dicts, lists, tuples (→ arrays), numbers,
 * strings, True/False/None and references to names assigned earlier (→ a deep
 * copy of their value) are the whole language. Everything else is a one-line
 * `file:line:col: unsupported Python syntax: ...` ReproError. A later assignment
 * to a name overrides an earlier one. Bare string statements (docstrings) are
 * ignored. Dict keys must be strings or numbers (numbers become their decimal
 * string, as JSON object keys). Names starting with `_` are config-local
 * helpers (`_dim = 512`, then `"n_out": _dim`): they can be referenced but are
 * not part of the returned config, so the unknown-key check never sees them.
 */
export function parsePythonConfig(text: string, file: string): Record<string, unknown> {
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  let toks: Token[];
  try {
    toks = tokenize(src, file);
  } catch (e) {
    throw firstError(src, file, e);
  }
  return new Parser(toks, file).module();
}

/**
 * A lexer error far down a file (a `%` format string, an f-string, ...) is
 * usually not the first thing we cannot read: parse the lines before it and
 * report the first unsupported statement there, if any.
 */
function firstError(src: string, file: string, lexError: unknown): unknown {
  if (!(lexError instanceof PySyntaxError) || lexError.at.line <= 1) return lexError;
  const before = src
    .split("\n")
    .slice(0, lexError.at.line - 1)
    .join("\n");
  try {
    new Parser(tokenize(before, file), file).module();
  } catch (e) {
    if (e instanceof PySyntaxError && e.at.line < lexError.at.line) return e;
  }
  return lexError;
}

const KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for " +
    "from global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

const KEYWORD_WHAT: Record<string, string> = {
  import: "import statement",
  from: "import statement",
  def: "function definition",
  class: "class definition",
  lambda: "lambda",
  for: "'for' loop",
  if: "'if' statement",
  and: "boolean operator 'and'",
  or: "boolean operator 'or'",
  not: "boolean operator 'not'",
  in: "comparison operator 'in'",
  is: "comparison operator 'is'",
};

const ARITHMETIC = new Set(["+", "-", "*", "/", "//", "%", "**", "@"]);
const BITWISE = new Set(["&", "|", "^", "<<", ">>", "~"]);
const COMPARISON = new Set(["<", ">", "<=", ">=", "==", "!="]);

/** A config-local helper name, kept out of the parsed config. */
function isLocalName(name: string): boolean {
  return name.startsWith("_");
}

/** An expression before name resolution: references resolve only once no operator follows them. */
type Operand = { value: unknown } | { ref: Token };

/** CPython's parser limit on nested brackets. */
const MAX_NESTING = 200;

class Parser {
  private i = 0;
  private depth = 0;
  private readonly result: Record<string, unknown> = {};

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  module(): Record<string, unknown> {
    let lineStart = true;
    while (this.peek().kind !== "eof") {
      if (this.peek().kind === "newline") {
        this.i++;
        lineStart = true;
        continue;
      }
      lineStart = this.statement(lineStart);
    }
    const config: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.result)) {
      if (!isLocalName(name)) setOwn(config, name, value);
    }
    return config;
  }

  private peek(ahead = 0): Token {
    return this.toks[Math.min(this.i + ahead, this.toks.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.i++;
    return t;
  }

  private isOp(t: Token, ...ops: string[]): boolean {
    return t.kind === "op" && ops.includes(t.text);
  }

  private fail(at: Position, message: string): never {
    throw syntaxError(this.file, at, message);
  }

  private unsupported(at: Position, what: string): never {
    throw unsupported(this.file, at, what);
  }

  private what(t: Token): string {
    if (t.kind === "newline") return "end of line";
    if (t.kind === "eof") return "end of file";
    if (t.kind === "string") return "a string";
    if (t.kind === "number") return "a number";
    return `'${t.text}'`;
  }

  private keywordWhat(word: string): string {
    return KEYWORD_WHAT[word] ?? `'${word}' statement`;
  }

  /** Parses one statement; returns whether the next one starts a line (false after `;`). */
  private statement(lineStart: boolean): boolean {
    const t = this.peek();
    if (lineStart && t.col !== 1) this.fail(t, "unexpected indent");
    const after = this.peek(1);
    if (t.kind === "name" && KEYWORDS.has(t.text) && !["True", "False", "None"].includes(t.text)) {
      this.unsupported(t, this.keywordWhat(t.text));
    }
    if (t.kind === "name" && !KEYWORDS.has(t.text)) {
      if (this.isOp(after, "=")) {
        this.i += 2;
        const target = this.peek();
        if (target.kind === "name" && this.isOp(this.peek(1), "="))
          this.unsupported(target, "chained assignment");
        const value = this.assignedValue();
        if (this.isOp(this.peek(), "=")) this.unsupported(this.peek(), "chained assignment");
        const end = this.endStatement();
        setOwn(this.result, t.text, value);
        return end;
      }
      if (after.kind === "op" && after.text.length > 1 && after.text.endsWith("=") && after.text !== "==") {
        this.unsupported(after, `augmented assignment '${after.text}'`);
      }
      if (this.isOp(after, ":")) this.unsupported(after, "annotated assignment");
      if (this.isOp(after, ",")) this.unsupported(t, "tuple assignment or expression statement");
    }
    const isDocstring = t.kind === "string";
    this.expr();
    if (this.isOp(this.peek(), "=")) this.unsupported(t, "assignment to something other than a plain name");
    if (!isDocstring)
      this.unsupported(t, "expression statement (only `name = value` assignments are allowed)");
    return this.endStatement();
  }

  private endStatement(): boolean {
    const t = this.peek();
    if (this.isOp(t, ";")) {
      this.i++;
      return this.peek().kind === "newline";
    }
    if (t.kind === "newline" || t.kind === "eof") return true;
    this.fail(t, `invalid syntax: expected end of line, found ${this.what(t)}`);
  }

  /** Right-hand side of an assignment: a value, or a bare tuple `1, 2`. */
  private assignedValue(): unknown {
    const first = this.resolve(this.expr());
    if (!this.isOp(this.peek(), ",")) return first;
    const items = [first];
    while (this.isOp(this.peek(), ",")) {
      this.i++;
      const t = this.peek();
      if (t.kind === "newline" || t.kind === "eof" || this.isOp(t, ";", "=")) break;
      items.push(this.resolve(this.expr()));
    }
    return items;
  }

  private resolve(op: Operand): unknown {
    if ("value" in op) return op.value;
    const name = op.ref.text;
    if (!Object.hasOwn(this.result, name)) {
      this.fail(
        op.ref,
        `name '${name}' is not defined (only names assigned earlier in the config can be used)`,
      );
    }
    return structuredClone(this.result[name]);
  }

  /** One value: a literal, a container or a name, with nothing but `,`, `:` or a closing bracket after it. */
  private expr(): Operand {
    const t = this.peek();
    let op: Operand;
    if (this.isOp(t, "-", "+")) {
      this.i++;
      const n = this.peek();
      if (n.kind === "newline" || n.kind === "eof")
        this.fail(n, `invalid syntax: expected a value, found ${this.what(n)}`);
      if (n.kind !== "number")
        this.unsupported(t, `arithmetic operator '${t.text}' (only number literals may be signed)`);
      this.i++;
      op = { value: t.text === "-" ? -(n.value as number) : (n.value as number) };
    } else if (this.isOp(t, "*", "**")) {
      this.unsupported(t, `unpacking ('${t.text}')`);
    } else if (this.isOp(t, "~")) {
      this.unsupported(t, "bitwise operator '~'");
    } else {
      op = this.atom();
    }
    this.checkPostfix(t);
    this.checkFollower();
    return op;
  }

  private checkPostfix(start: Token): void {
    const t = this.peek();
    if (this.isOp(t, "(")) this.unsupported(start, "function call");
    if (this.isOp(t, "[")) this.unsupported(start, "subscription");
    if (this.isOp(t, ".")) this.unsupported(start, "attribute access");
  }

  /** Rejects operators and keywords after a value (arithmetic, comparisons, comprehensions, ...). */
  private checkFollower(): void {
    const t = this.peek();
    if (t.kind === "op") {
      if (ARITHMETIC.has(t.text)) this.unsupported(t, `arithmetic operator '${t.text}'`);
      if (BITWISE.has(t.text)) this.unsupported(t, `bitwise operator '${t.text}'`);
      if (COMPARISON.has(t.text)) this.unsupported(t, `comparison operator '${t.text}'`);
      if (t.text === ":=") this.unsupported(t, "assignment expression ':='");
      return;
    }
    if (t.kind === "name" && KEYWORDS.has(t.text)) {
      if (t.text === "for" || t.text === "async") this.unsupported(t, "comprehension");
      if (t.text === "if") this.unsupported(t, "conditional expression");
      this.unsupported(t, this.keywordWhat(t.text));
    }
    if (t.kind === "name" || t.kind === "number" || t.kind === "string") {
      this.fail(t, `invalid syntax: ${this.what(t)} cannot follow a value here (missing comma?)`);
    }
  }

  private atom(): Operand {
    const t = this.next();
    switch (t.kind) {
      case "number":
        return { value: t.value };
      case "string": {
        let s = t.value as string;
        while (this.peek().kind === "string") s += this.next().value as string;
        return { value: s };
      }
      case "name":
        if (t.text === "True") return { value: true };
        if (t.text === "False") return { value: false };
        if (t.text === "None") return { value: null };
        if (KEYWORDS.has(t.text)) this.unsupported(t, this.keywordWhat(t.text));
        return { ref: t };
      case "op":
        if (t.text === "(" || t.text === "[" || t.text === "{") return this.nested(t);
        if (t.text === "...") this.unsupported(t, "Ellipsis ('...')");
        if (t.text === "=") this.unsupported(t, "assignment inside an expression");
        return this.fail(t, `invalid syntax: expected a value, found ${this.what(t)}`);
      default:
        return this.fail(t, `invalid syntax: expected a value, found ${this.what(t)}`);
    }
  }

  /** A bracketed value; nesting deeper than CPython's parser allows is an error, not a stack overflow. */
  private nested(open: Token): Operand {
    if (++this.depth > MAX_NESTING)
      this.fail(open, `nested more than ${MAX_NESTING} levels deep (Python's parser stops there too)`);
    try {
      if (open.text === "(") return this.paren(open);
      return { value: open.text === "[" ? this.sequence("]") : this.dict(open) };
    } finally {
      this.depth--;
    }
  }

  /** `()` → [], `(x)` → x, `(x,)` / `(x, y)` → array. */
  private paren(open: Token): Operand {
    if (this.isOp(this.peek(), ")")) {
      this.i++;
      return { value: [] };
    }
    const first = this.expr();
    if (this.isOp(this.peek(), ")")) {
      this.i++;
      return first;
    }
    if (!this.isOp(this.peek(), ",")) this.expected("',' or ')'", open);
    this.i++;
    return { value: [this.resolve(first), ...this.sequence(")")] };
  }

  /** Items up to `close` (already past the opener), trailing comma allowed. */
  private sequence(close: string): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      if (this.isOp(this.peek(), close)) {
        this.i++;
        return items;
      }
      items.push(this.resolve(this.expr()));
      if (this.isOp(this.peek(), ",")) this.i++;
      else if (!this.isOp(this.peek(), close)) this.expected(`',' or '${close}'`);
    }
  }

  private dict(open: Token): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let first = true;
    for (;;) {
      const k = this.peek();
      if (this.isOp(k, "}")) {
        this.i++;
        return out;
      }
      if (this.isOp(k, "**")) this.unsupported(k, "dict unpacking ('**')");
      const keyOp = this.expr();
      if (!this.isOp(this.peek(), ":")) {
        if (first && this.isOp(this.peek(), ",", "}")) this.unsupported(open, "set literal");
        this.expected("':'");
      }
      this.i++;
      const valueOp = this.expr();
      setOwn(out, this.dictKey(this.resolve(keyOp), k), this.resolve(valueOp));
      first = false;
      if (this.isOp(this.peek(), ",")) this.i++;
      else if (!this.isOp(this.peek(), "}")) this.expected("',' or '}'");
    }
  }

  private dictKey(key: unknown, at: Token): string {
    if (typeof key === "string") return key;
    if (typeof key === "number" && Number.isFinite(key)) return String(key);
    const got =
      key === null
        ? "None"
        : Array.isArray(key)
          ? "a tuple or list"
          : isPlainObject(key)
            ? "a dict"
            : String(key);
    return this.fail(at, `dict keys must be strings or numbers, got ${got}`);
  }

  private expected(what: string, open?: Token): never {
    const t = this.peek();
    const where = open ? ` (in '${open.text}' opened at line ${open.line}, column ${open.col})` : "";
    this.fail(t, `invalid syntax: expected ${what}, found ${this.what(t)}${where}`);
  }
}
