import { ReproError } from "../util/errors.js";
import { describeValue, isPlainObject, lineCol } from "./plain.js";

/**
 * Parses a JSON config. The value comes from `JSON.parse`; when that fails, a
 * small validating scanner finds where (V8's messages do not reliably carry a
 * position) so the error reads `file:line:col: invalid JSON: <why>`.
 */
export function parseJsonConfig(text: string, file: string): Record<string, unknown> {
  const src = text.replace(/^\uFEFF/, "");
  let value: unknown;
  try {
    value = JSON.parse(src);
  } catch (e) {
    const err = locateJsonError(src);
    if (!err) throw new ReproError(`${file}: invalid JSON: ${(e as Error).message.split("\n")[0]}`);
    const { line, col } = lineCol(src, err.pos);
    throw new ReproError(`${file}:${line}:${col}: invalid JSON: ${err.message}`);
  }
  if (!isPlainObject(value)) {
    throw new ReproError(
      `${file}: a config must be a JSON object at the top level, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Offset and reason of the first JSON syntax error in `src`, or undefined if it is valid. */
export function locateJsonError(src: string): { pos: number; message: string } | undefined {
  try {
    const s = new Scanner(src);
    s.ws();
    s.value();
    s.ws();
    if (s.i < src.length) s.fail("unexpected content after the top-level value");
    return undefined;
  } catch (e) {
    if (e instanceof JsonSyntax) return { pos: e.pos, message: e.message };
    throw e;
  }
}

class JsonSyntax extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ["true", "false", "null"];

class Scanner {
  i = 0;
  constructor(private readonly src: string) {}

  fail(message: string, pos = this.i): never {
    throw new JsonSyntax(pos, message);
  }

  ws(): void {
    while (this.i < this.src.length && " \t\n\r".includes(this.src[this.i])) this.i++;
    if (this.src[this.i] === "/" && "/*".includes(this.src[this.i + 1] ?? "")) {
      this.fail("comments are not allowed in JSON");
    }
  }

  value(): void {
    const c = this.src[this.i];
    if (c === undefined) this.fail("unexpected end of input, expected a value");
    if (c === "{" || c === "[") {
      this.container(c === "{" ? "}" : "]");
      return;
    }
    if (c === '"') {
      this.string();
      return;
    }
    if (c === "'") this.fail("strings must use double quotes");
    NUMBER_RE.lastIndex = this.i;
    const num = NUMBER_RE.exec(this.src);
    if (num) {
      this.i += num[0].length;
      return;
    }
    const lit = LITERALS.find((l) => this.src.startsWith(l, this.i));
    if (lit) {
      this.i += lit.length;
      return;
    }
    this.fail(`unexpected ${this.show(c)}, expected a value`);
  }

  private container(close: "}" | "]"): void {
    const isObject = close === "}";
    this.i++;
    this.ws();
    if (this.src[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      if (isObject) {
        const c = this.src[this.i];
        if (c === "'") this.fail("strings must use double quotes");
        if (c !== '"')
          this.fail(
            c === undefined
              ? "unexpected end of input"
              : `expected a "quoted" property name, found ${this.show(c)}`,
          );
        this.string();
        this.ws();
        if (this.src[this.i] !== ":")
          this.fail(`expected ':' after the property name, found ${this.show(this.src[this.i])}`);
        this.i++;
        this.ws();
      }
      this.value();
      this.ws();
      const c = this.src[this.i];
      if (c === close) {
        this.i++;
        return;
      }
      if (c !== ",") this.fail(`expected ',' or '${close}', found ${this.show(c)}`);
      const comma = this.i;
      this.i++;
      this.ws();
      if (this.src[this.i] === close) this.fail("trailing comma is not allowed in JSON", comma);
    }
  }

  private string(): void {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined || c === "\n") this.fail("unterminated string", start);
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < " ") this.fail("control character in string (escape it)");
      if (c === "\\") {
        const e = this.src[this.i + 1] ?? "";
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.src.slice(this.i + 2, this.i + 6)))
            this.fail("invalid \\u escape");
          this.i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e) || e === "") this.fail(`invalid escape ${this.show(`\\${e}`)}`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }

  private show(c: string | undefined): string {
    return c === undefined ? "end of input" : JSON.stringify(c);
  }
}
