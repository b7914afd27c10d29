import { ReproError } from "../util/errors.js";

/**
 * Tokenizer for RETURNN-style Python configs: the lexical subset of Python that
 * literal assignments need (names, numbers, strings, operators, logical-line
 * NEWLINEs). Newlines inside brackets and after a `\` continuation are dropped,
 * as Python does; comments (including the `#!rnn.py` header) are skipped.
 */

export type TokenKind = "name" | "number" | "string" | "op" | "newline" | "eof";

export interface Token {
  kind: TokenKind;
  /** Source text for names and operators; "" for newline/eof. */
  text: string;
  /** The decoded value of a number or string token. */
  value?: number | string;
  line: number;
  col: number;
}

export interface Position {
  line: number;
  col: number;
}

/** A user error at a position in a Python config. */
export class PySyntaxError extends ReproError {
  constructor(
    message: string,
    readonly at: Position,
  ) {
    super(message);
  }
}

/** A user error at a position: `file:line:col: message`. */
export function syntaxError(file: string, at: Position, message: string): PySyntaxError {
  return new PySyntaxError(`${file}:${at.line}:${at.col}: ${message}`, at);
}

/** `file:line:col: unsupported Python syntax: <what> (configs are parsed, not executed; ...)`. */
export function unsupported(file: string, at: Position, what: string): PySyntaxError {
  return syntaxError(
    file,
    at,
    `unsupported Python syntax: ${what} (configs are parsed, not executed; \`repronet import\` runs a RETURNN config as Python)`,
  );
}

// Longest first, so that `**=` wins over `**` and `*`.
// biome-ignore format: one row per operator length
const OPERATORS = [
  "**=", "//=", ">>=", "<<=", "...",
  "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", ":=", "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=",
  "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=", "+", "-", "*", "/", "%", "@", "&", "|", "^", "~", "<", ">",
];

const CLOSING: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
const NAME_RE = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const NAME_CHAR_RE = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;
const DIGITS = String.raw`\d(?:_?\d)*`;
const NUMBER_RES: [RegExp, number][] = [
  [/0[xX](?:_?[0-9a-fA-F])+/y, 16],
  [/0[oO](?:_?[0-7])+/y, 8],
  [/0[bB](?:_?[01])+/y, 2],
  [new RegExp(String.raw`(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?`, "y"), 10],
];
const STRING_PREFIXES = new Set(["r", "u", "b", "f", "br", "rb", "fr", "rf"]);
// biome-ignore format: a table
const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v",
};

/** Splits `src` (newlines already normalized to `\n`) into tokens; throws ReproError on lexical errors. */
export function tokenize(src: string, file: string): Token[] {
  return new Lexer(src, file).run();
}

class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];
  private readonly open: Token[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  run(): Token[] {
    const { src } = this;
    while (this.i < src.length) {
      const c = src[this.i];
      if (c === "\n") {
        if (this.open.length === 0) this.pushNewline();
        this.newline();
      } else if (c === " " || c === "\t" || c === "\f") {
        this.i++;
      } else if (c === "#") {
        while (this.i < src.length && src[this.i] !== "\n") this.i++;
      } else if (c === "\\") {
        if (src[this.i + 1] !== "\n") {
          throw syntaxError(this.file, this.pos(), "unexpected character after line continuation character");
        }
        this.i++;
        this.newline();
      } else {
        this.token();
      }
    }
    const unclosed = this.open.at(-1);
    if (unclosed) throw syntaxError(this.file, unclosed, `'${unclosed.text}' was never closed`);
    this.pushNewline();
    this.tokens.push({ kind: "eof", text: "", ...this.pos() });
    return this.tokens;
  }

  private pos(): Position {
    return { line: this.line, col: this.i - this.lineStart + 1 };
  }

  /** Consumes the `\n` at `i`. */
  private newline(): void {
    this.i++;
    this.line++;
    this.lineStart = this.i;
  }

  private pushNewline(): void {
    const last = this.tokens.at(-1);
    if (last && last.kind !== "newline") this.tokens.push({ kind: "newline", text: "", ...this.pos() });
  }

  private token(): void {
    const { src } = this;
    const at = this.pos();
    const c = src[this.i];
    if (c === '"' || c === "'") {
      this.tokens.push({ kind: "string", text: "", value: this.string(at, ""), ...at });
      return;
    }
    NAME_RE.lastIndex = this.i;
    const name = NAME_RE.exec(src)?.[0];
    if (name !== undefined) {
      this.i += name.length;
      const q = src[this.i];
      if ((q === '"' || q === "'") && STRING_PREFIXES.has(name.toLowerCase())) {
        this.tokens.push({ kind: "string", text: "", value: this.string(at, name.toLowerCase()), ...at });
      } else {
        this.tokens.push({ kind: "name", text: name, ...at });
      }
      return;
    }
    if (/\d/.test(c) || (c === "." && /\d/.test(src[this.i + 1] ?? ""))) {
      this.tokens.push({ kind: "number", text: "", value: this.number(at), ...at });
      return;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, this.i));
    if (op === undefined) {
      throw syntaxError(this.file, at, `invalid character ${JSON.stringify(c)}`);
    }
    this.i += op.length;
    const tok: Token = { kind: "op", text: op, ...at };
    if (op === "(" || op === "[" || op === "{") this.open.push(tok);
    const opener = CLOSING[op];
    if (opener !== undefined) {
      const top = this.open.pop();
      if (!top) throw syntaxError(this.file, at, `unmatched '${op}'`);
      if (top.text !== opener) {
        throw syntaxError(
          this.file,
          at,
          `closing '${op}' does not match opening '${top.text}' at line ${top.line}, column ${top.col}`,
        );
      }
    }
    this.tokens.push(tok);
  }

  private number(at: Position): number {
    const { src } = this;
    for (const [re, base] of NUMBER_RES) {
      re.lastIndex = this.i;
      const m = re.exec(src);
      if (!m) continue;
      const text = m[0];
      this.i += text.length;
      const next = src[this.i] ?? "";
      if (next === "j" || next === "J") throw unsupported(this.file, at, "complex number");
      if (NAME_CHAR_RE.test(next)) {
        NAME_RE.lastIndex = this.i;
        const tail = NAME_RE.exec(src)?.[0] ?? next;
        throw syntaxError(this.file, at, `invalid number literal "${text}${tail}"`);
      }
      const digits = text.replaceAll("_", "");
      const isInt = base !== 10 || !/[.eE]/.test(digits);
      if (base === 10 && isInt && /^0+[1-9]/.test(digits)) {
        throw syntaxError(this.file, at, "leading zeros in decimal integer literals are not permitted");
      }
      const value = base === 10 ? Number(digits) : Number.parseInt(digits.slice(2), base);
      if (isInt && !Number.isSafeInteger(value)) {
        throw syntaxError(this.file, at, `integer ${text} is too large to be represented exactly`);
      }
      return value;
    }
    throw syntaxError(this.file, at, "invalid number literal");
  }

  /** Reads a (possibly triple-quoted) string starting at `i` (just after any prefix). */
  private string(at: Position, prefix: string): string {
    if (prefix.includes("f")) throw unsupported(this.file, at, "f-string");
    if (prefix.includes("b")) throw unsupported(this.file, at, "bytes literal");
    const { src } = this;
    const raw = prefix.includes("r");
    const quote = src[this.i];
    const triple = src.startsWith(quote.repeat(3), this.i);
    const close = triple ? quote.repeat(3) : quote;
    this.i += close.length;
    let out = "";
    for (;;) {
      if (this.i >= src.length) {
        throw syntaxError(this.file, at, `unterminated ${triple ? "triple-quoted " : ""}string literal`);
      }
      if (src.startsWith(close, this.i)) {
        this.i += close.length;
        return out;
      }
      const c = src[this.i];
      if (c === "\n") {
        if (!triple) throw syntaxError(this.file, at, "unterminated string literal");
        out += c;
        this.newline();
      } else if (c === "\\") {
        out += raw ? this.rawEscape() : this.escape();
      } else {
        out += c;
        this.i++;
      }
    }
  }

  /** In a raw string a backslash only stops the next character from ending the string. */
  private rawEscape(): string {
    const next = this.src[this.i + 1];
    if (next === undefined) {
      this.i++;
      return "\\";
    }
    if (next === "\n") {
      this.i++;
      this.newline();
      return "\\\n";
    }
    this.i += 2;
    return `\\${next}`;
  }

  private escape(): string {
    const { src } = this;
    const at = this.pos();
    const e = src[this.i + 1];
    if (e === undefined) {
      this.i++;
      return "\\";
    }
    if (e === "\n") {
      this.i++;
      this.newline();
      return "";
    }
    this.i += 2;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return simple;
    if (e >= "0" && e <= "7") {
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(src[this.i] ?? "")) digits += src[this.i++];
      return String.fromCharCode(Number.parseInt(digits, 8));
    }
    const width = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (width > 0) {
      const hex = src.slice(this.i, this.i + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) {
        throw syntaxError(this.file, at, `truncated \\${e}${"X".repeat(width)} escape`);
      }
      this.i += width;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) throw syntaxError(this.file, at, `illegal Unicode character \\${e}${hex}`);
      return String.fromCodePoint(code);
    }
    if (e === "N") throw unsupported(this.file, at, "\\N{...} escape");
    return `\\${e}`; // Python keeps unknown escapes verbatim
  }
}
