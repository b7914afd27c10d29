/**
 * Tokens of the `eval` expression language: a small, side-effect-free subset
 * of Python expression syntax (numbers, dotted names, calls, arithmetic,
 * comparisons, lists). Nothing here is ever executed as JavaScript.
 */

export type TokenKind = "number" | "name" | "op" | "end";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 0-based offset in the source. */
  readonly pos: number;
  /** For numbers: the value. */
  readonly value?: number;
}

/** A syntax error at a source offset; the layer turns it into a ReproError naming the layer. */
export class EvalSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = "EvalSyntaxError";
  }
}

const NUMBER = /(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
/** Longest first, so "**" wins over "*". */
const OPERATORS = [
  "**",
  "==",
  "!=",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  ",",
  "=",
  ".",
];
/** Python operators we do not support, named in the error. */
const UNSUPPORTED = ["//", "%", "@", "&", "|", "^", "~", "<<", ">>", "!"];

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(src);
    if (num && /[\d.]/.test(c)) {
      const text = num[0];
      const after = src[i + text.length];
      if (after !== undefined && /[A-Za-z_]/.test(after)) {
        throw new EvalSyntaxError(`invalid number "${text}${after}"`, i);
      }
      tokens.push({ kind: "number", text, pos: i, value: Number(text.replaceAll("_", "")) });
      i += text.length;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(src);
    if (name) {
      tokens.push({ kind: "name", text: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    if (c === '"' || c === "'") throw new EvalSyntaxError("string literals are not supported", i);
    const bad = UNSUPPORTED.find((op) => src.startsWith(op, i) && !src.startsWith("!=", i));
    if (bad) throw new EvalSyntaxError(`operator "${bad}" is not supported`, i);
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new EvalSyntaxError(`unexpected character "${c}"`, i);
    tokens.push({ kind: "op", text: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: "end", text: "end of expression", pos: src.length });
  return tokens;
}
