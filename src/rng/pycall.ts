/**
 * A tiny parser for the Python call expressions RETURNN configs use as
 * initializer strings, e.g. `variance_scaling_initializer(scale=0.5, mode='fan_avg')`.
 * It reads only `name`, or `name(args)` whose arguments are Python literals
 * (numbers, quoted strings, True/False/None), positional first, then keyword.
 * Nothing is evaluated: anything else is a syntax error with its column.
 */

export type PyValue = number | string | boolean | null;

export interface PyCall {
  name: string;
  args: PyValue[];
  kwargs: [string, PyValue][];
}

export class PyCallSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly column: number,
  ) {
    super(`${reason} at column ${column}`);
    this.name = "PyCallSyntaxError";
  }
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const DOTTED = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y; // `tf.x`: read, then rejected by name
const NUMBER = /[+-]?(?:\d+(?:_\d+)*\.?\d*(?:_\d+)*|\.\d+)(?:[eE][+-]?\d+)?/y;
const SPACE = /\s*/y;
const ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t" };

export function parsePyCall(text: string): PyCall {
  let pos = 0;
  const fail = (reason: string): never => {
    throw new PyCallSyntaxError(reason, pos + 1);
  };
  const match = (re: RegExp): string | null => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) return null;
    pos += m[0].length;
    return m[0];
  };
  const skip = (): void => void match(SPACE);
  const eat = (ch: string): boolean => {
    skip();
    if (text[pos] !== ch) return false;
    pos++;
    return true;
  };

  const literal = (): PyValue => {
    skip();
    const quote = text[pos];
    if (quote === "'" || quote === '"') {
      let s = "";
      for (pos++; text[pos] !== quote; pos++) {
        if (pos >= text.length) fail("unterminated string");
        if (text[pos] === "\\") {
          const e = ESCAPES[text[++pos]];
          if (e === undefined) fail("unsupported escape in string");
          s += e;
        } else s += text[pos];
      }
      pos++;
      return s;
    }
    const num = match(NUMBER);
    if (num !== null) return Number(num.replaceAll("_", ""));
    const word = match(IDENT);
    if (word === "True") return true;
    if (word === "False") return false;
    if (word === "None") return null;
    if (word !== null) pos -= word.length;
    return fail("expected a number, a quoted string, True, False or None");
  };

  skip();
  const name = match(DOTTED) ?? fail("expected an initializer name");
  const call: PyCall = { name, args: [], kwargs: [] };
  if (eat("(")) {
    while (!eat(")")) {
      skip();
      const start = pos;
      const key = match(IDENT);
      if (key !== null && eat("=")) {
        call.kwargs.push([key, literal()]);
      } else {
        pos = start;
        if (call.kwargs.length > 0) fail("positional argument after keyword argument");
        call.args.push(literal());
      }
      if (!eat(",")) {
        if (!eat(")")) fail("expected ',' or ')'");
        break;
      }
    }
  }
  skip();
  if (pos < text.length) fail("unexpected text after the initializer");
  return call;
}
