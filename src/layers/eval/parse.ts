/**
 * Parser of the `eval` expression language into an AST, with Python's
 * precedence: comparison < + - < * / < unary - < ** (right-associative, and
 * `-2 ** 2` is -(2 ** 2)).
 */
import { EvalSyntaxError, type Token, tokenize } from "./tokenize.js";

export type BinaryOp = "+" | "-" | "*" | "/" | "**" | "==" | "!=" | "<" | "<=" | ">" | ">=";

export type Node =
  | { readonly type: "number"; readonly value: number; readonly pos: number }
  | { readonly type: "const"; readonly value: boolean | null; readonly pos: number }
  | { readonly type: "list"; readonly items: readonly Node[]; readonly pos: number }
  | { readonly type: "name"; readonly name: string; readonly pos: number }
  | {
      readonly type: "call";
      /** Dotted name as written: "tf.math.reduce_sum". */
      readonly callee: string;
      readonly args: readonly Node[];
      readonly kwargs: readonly { readonly name: string; readonly value: Node }[];
      readonly pos: number;
    }
  | { readonly type: "unary"; readonly op: "-" | "+"; readonly operand: Node; readonly pos: number }
  | {
      readonly type: "binary";
      readonly op: BinaryOp;
      readonly left: Node;
      readonly right: Node;
      readonly pos: number;
    };

const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);
const CONSTANTS = new Map<string, boolean | null>([
  ["True", true],
  ["False", false],
  ["None", null],
]);

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private get peek(): Token {
    return this.tokens[this.i];
  }
  private next(): Token {
    return this.tokens[this.i++];
  }
  private isOp(text: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t !== undefined && t.kind === "op" && t.text === text;
  }
  private expect(text: string): Token {
    if (!this.isOp(text)) this.fail(`expected "${text}"`);
    return this.next();
  }
  private fail(what: string): never {
    const t = this.peek;
    throw new EvalSyntaxError(`${what}, found ${t.kind === "end" ? t.text : `"${t.text}"`}`, t.pos);
  }

  parseAll(): Node {
    const node = this.expression();
    if (this.peek.kind !== "end") this.fail("unexpected input");
    return node;
  }

  private expression(): Node {
    const left = this.arith();
    if (this.peek.kind === "op" && COMPARISONS.has(this.peek.text)) {
      const op = this.next();
      const right = this.arith();
      if (this.peek.kind === "op" && COMPARISONS.has(this.peek.text)) {
        throw new EvalSyntaxError("chained comparisons are not supported", this.peek.pos);
      }
      return { type: "binary", op: op.text as BinaryOp, left, right, pos: op.pos };
    }
    return left;
  }

  private arith(): Node {
    let left = this.term();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.next();
      left = { type: "binary", op: op.text as BinaryOp, left, right: this.term(), pos: op.pos };
    }
    return left;
  }

  private term(): Node {
    let left = this.unary();
    while (this.isOp("*") || this.isOp("/")) {
      const op = this.next();
      left = { type: "binary", op: op.text as BinaryOp, left, right: this.unary(), pos: op.pos };
    }
    return left;
  }

  private unary(): Node {
    if (this.isOp("-") || this.isOp("+")) {
      const op = this.next();
      return { type: "unary", op: op.text as "-" | "+", operand: this.unary(), pos: op.pos };
    }
    return this.power();
  }

  private power(): Node {
    const base = this.atom();
    if (this.isOp("**")) {
      const op = this.next();
      return { type: "binary", op: "**", left: base, right: this.unary(), pos: op.pos };
    }
    return base;
  }

  private atom(): Node {
    const t = this.peek;
    if (t.kind === "number") {
      this.next();
      return { type: "number", value: t.value!, pos: t.pos };
    }
    if (t.kind === "name") return this.nameOrCall();
    if (this.isOp("(")) {
      this.next();
      if (this.isOp(")")) {
        this.next();
        return { type: "list", items: [], pos: t.pos };
      }
      const first = this.expression();
      if (!this.isOp(",")) {
        this.expect(")");
        return first;
      }
      return { type: "list", items: [first, ...this.rest(")")], pos: t.pos };
    }
    if (this.isOp("[")) {
      this.next();
      if (this.isOp("]")) {
        this.next();
        return { type: "list", items: [], pos: t.pos };
      }
      return { type: "list", items: [this.expression(), ...this.rest("]")], pos: t.pos };
    }
    this.fail('expected a number, a name or "("');
  }

  /** `, item`* [","] close — the tail of a tuple or list after its first item. */
  private rest(close: string): Node[] {
    const items: Node[] = [];
    while (this.isOp(",")) {
      this.next();
      if (this.isOp(close)) break;
      items.push(this.expression());
    }
    this.expect(close);
    return items;
  }

  private nameOrCall(): Node {
    const first = this.next();
    let name = first.text;
    while (this.isOp(".")) {
      this.next();
      if (this.peek.kind !== "name") this.fail('expected a name after "."');
      name += `.${this.next().text}`;
    }
    if (!this.isOp("(")) {
      if (CONSTANTS.has(name)) return { type: "const", value: CONSTANTS.get(name)!, pos: first.pos };
      return { type: "name", name, pos: first.pos };
    }
    this.next();
    const args: Node[] = [];
    const kwargs: { name: string; value: Node }[] = [];
    while (!this.isOp(")")) {
      if (this.peek.kind === "name" && this.isOp("=", 1)) {
        const key = this.next();
        this.next();
        if (kwargs.some((k) => k.name === key.text)) {
          throw new EvalSyntaxError(`keyword argument "${key.text}" repeated`, key.pos);
        }
        kwargs.push({ name: key.text, value: this.expression() });
      } else {
        if (kwargs.length > 0) {
          throw new EvalSyntaxError("positional argument follows keyword argument", this.peek.pos);
        }
        args.push(this.expression());
      }
      if (!this.isOp(",")) break;
      this.next();
    }
    this.expect(")");
    return { type: "call", callee: name, args, kwargs, pos: first.pos };
  }
}

/** Parses an expression; throws EvalSyntaxError (with the offset) on bad input. */
export function parseExpression(src: string): Node {
  return new Parser(tokenize(src)).parseAll();
}
