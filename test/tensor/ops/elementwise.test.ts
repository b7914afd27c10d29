/**
 * Element-wise ops: forward values against float64 references, gradients
 * against float64 derivatives and finite differences, NumPy broadcasting with
 * gradients reduced back to each input's shape.
 *
 * Tolerances: forward values F32 (|Δ| ≤ 1e-7 + 1e-6·|ref|: one float32 rounding
 * of a float64 result); analytic gradients GRAD (|Δ| ≤ 1e-6 + 1e-5·|ref|: a few
 * chained float32 roundings); finite differences use gradCheck's stated default
 * (eps 1e-3, |Δ| ≤ 1e-2 + 1e-2·|numeric|).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ops from "../../../src/tensor/ops/index.js";
import { scalar, type Tensor, tensor, tidy } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor, testRandom } from "../../helpers/gradcheck.js";
import {
  allFinite,
  assertClose,
  assertShape,
  evaluate,
  F32,
  refBroadcast,
  size,
  type Tol,
  weightedGrads,
  weights,
} from "./support.js";

const GRAD: Tol = { atol: 1e-6, rtol: 1e-5 };

// --- unary ops -----------------------------------------------------------------

interface UnaryCase {
  name: string;
  op: (x: Tensor) => Tensor;
  f: (x: number) => number;
  df: (x: number) => number;
  /** Inputs away from kinks and outside the domain's edge. */
  inputs: number[];
}

const spread = [-1.7, -0.9, -0.35, 0.2, 0.6, 1.3];
const positive = [0.25, 0.5, 0.9, 1.4, 2.2, 3.1];
const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));

const unaryCases: UnaryCase[] = [
  { name: "neg", op: ops.neg, f: (x) => -x, df: () => -1, inputs: spread },
  { name: "exp", op: ops.exp, f: Math.exp, df: Math.exp, inputs: spread },
  { name: "log", op: ops.log, f: Math.log, df: (x) => 1 / x, inputs: positive },
  { name: "sqrt", op: ops.sqrt, f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), inputs: positive },
  { name: "rsqrt", op: ops.rsqrt, f: (x) => 1 / Math.sqrt(x), df: (x) => -0.5 * x ** -1.5, inputs: positive },
  { name: "abs", op: ops.abs, f: Math.abs, df: Math.sign, inputs: spread },
  { name: "square", op: ops.square, f: (x) => x * x, df: (x) => 2 * x, inputs: spread },
  { name: "relu", op: ops.relu, f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), inputs: spread },
  { name: "tanh", op: ops.tanh, f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, inputs: spread },
  {
    name: "sigmoid",
    op: ops.sigmoid,
    f: sigmoid64,
    df: (x) => sigmoid64(x) * (1 - sigmoid64(x)),
    inputs: spread,
  },
];

for (const c of unaryCases) {
  test(`${c.name}: forward matches the float64 reference`, () => {
    tidy(() => {
      const x = tensor(c.inputs, [2, 3]);
      const y = c.op(x);
      assertShape(y, [2, 3]);
      assertClose(y.f32, Array.from(x.f32, c.f), F32, c.name);
    });
  });

  test(`${c.name}: gradient matches the float64 derivative`, () => {
    const x = tensor(c.inputs, [2, 3]);
    const w = weights(6);
    const r = weightedGrads(() => c.op(x), [x], w);
    assertClose(
      r.grads[0]!,
      Array.from(x.f32, (v, i) => w[i] * c.df(v)),
      GRAD,
      `d${c.name}`,
    );
  });

  test(`${c.name}: gradient passes the finite-difference check`, () => {
    gradCheck(c.op, [tensor(c.inputs, [2, 3])]);
  });

  test(`${c.name}: a rank-0 input gives a rank-0 output`, () => {
    tidy(() => {
      const y = c.op(scalar(c.inputs[4]));
      assertShape(y, []);
      assertClose(y.f32, [c.f(Math.fround(c.inputs[4]))], F32);
    });
  });
}

// Exact GELU, float64 references from Python's math.erf: 0.5·x·(1 + erf(x/√2)) and its derivative.
const geluTable: [number, number, number][] = [
  [-3, -0.00404969409489031, -0.011945647204183918],
  [-1, -0.15865525393145707, -0.08331547058768629],
  [-0.5, -0.15426876936299344, 0.13250487534383712],
  [0, 0, 0.5],
  [0.5, 0.34573123063700656, 0.8674951246561629],
  [1, 0.8413447460685429, 1.0833154705876864],
  [2, 1.9544997361036416, 1.085231801078197],
  [3, 2.99595030590511, 1.011945647204184],
];

test("gelu: forward is the exact erf-based GELU (gelu(1) = 0.8413447460685429)", () => {
  tidy(() => {
    const y = ops.gelu(tensor(geluTable.map((r) => r[0])));
    assertClose(
      y.f32,
      geluTable.map((r) => r[1]),
      F32,
      "gelu",
    );
  });
});

test("gelu: gradient is Φ(x) + x·φ(x)", () => {
  const x = tensor(geluTable.map((r) => r[0]));
  const r = evaluate(() => ops.sum(ops.gelu(x)), [x]);
  assertClose(
    r.grads[0]!,
    geluTable.map((t) => t[2]),
    GRAD,
    "gelu'",
  );
});

test("gelu: gradient passes the finite-difference check", () => {
  gradCheck(ops.gelu, [randTensor([2, 5], 11, -3, 3)]);
});

test("relu and abs: the gradient at the kink 0 is 0", () => {
  const x = tensor([0, 0]);
  const r = evaluate(() => ops.add(ops.sum(ops.relu(x)), ops.sum(ops.abs(x))), [x]);
  assert.deepEqual(Array.from(r.grads[0]!), [0, 0]);
});

// --- binary ops ------------------------------------------------------------------

interface BinaryCase {
  name: string;
  op: (a: Tensor | number, b: Tensor | number) => Tensor;
  f: (a: number, b: number) => number;
  da: (a: number, b: number) => number;
  db: (a: number, b: number) => number;
  /** Input generator: values away from poles, kinks and ties. */
  gen: (shape: number[], seed: number, which: "a" | "b") => Tensor;
}

const uniform =
  (lo: number, hi: number) =>
  (shape: number[], seed: number): Tensor =>
    randTensor(shape, seed, lo, hi);

/** a on −0.95 + 0.2k, b on −0.85 + 0.2k: |a − b| ≥ 0.1 always, so max/min never tie or flip under eps. */
function lattice(shape: number[], seed: number, which: "a" | "b"): Tensor {
  const r = testRandom(seed);
  const offset = which === "a" ? -0.95 : -0.85;
  return tensor(
    Float32Array.from({ length: size(shape) }, () => offset + 0.2 * Math.floor(r() * 10)),
    shape,
  );
}

const binaryCases: BinaryCase[] = [
  { name: "add", op: ops.add, f: (a, b) => a + b, da: () => 1, db: () => 1, gen: uniform(-2, 2) },
  { name: "sub", op: ops.sub, f: (a, b) => a - b, da: () => 1, db: () => -1, gen: uniform(-2, 2) },
  { name: "mul", op: ops.mul, f: (a, b) => a * b, da: (_, b) => b, db: (a) => a, gen: uniform(-2, 2) },
  {
    name: "div",
    op: ops.div,
    f: (a, b) => a / b,
    da: (_, b) => 1 / b,
    db: (a, b) => -a / (b * b),
    gen: (s, seed, which) => (which === "a" ? randTensor(s, seed, -2, 2) : randTensor(s, seed, 0.5, 2)),
  },
  {
    name: "pow",
    op: ops.pow,
    f: (a, b) => a ** b,
    da: (a, b) => b * a ** (b - 1),
    db: (a, b) => a ** b * Math.log(a),
    gen: (s, seed, which) => (which === "a" ? randTensor(s, seed, 0.5, 2) : randTensor(s, seed, -1.5, 1.5)),
  },
  {
    name: "maximum",
    op: ops.maximum,
    f: Math.max,
    da: (a, b) => (a >= b ? 1 : 0),
    db: (a, b) => (a >= b ? 0 : 1),
    gen: lattice,
  },
  {
    name: "minimum",
    op: ops.minimum,
    f: Math.min,
    da: (a, b) => (a <= b ? 1 : 0),
    db: (a, b) => (a <= b ? 0 : 1),
    gen: lattice,
  },
];

/** Shape pairs that broadcast: equal, [2,1,3]·[4,1], rank mismatch, rank-0 on either side, [1]. */
const broadcastPairs: [number[], number[], number[]][] = [
  [
    [2, 3],
    [2, 3],
    [2, 3],
  ],
  [
    [2, 1, 3],
    [4, 1],
    [2, 4, 3],
  ],
  [
    [4, 1],
    [2, 1, 3],
    [2, 4, 3],
  ],
  [[3], [2, 3], [2, 3]],
  [[], [2, 3], [2, 3]],
  [[2, 3], [], [2, 3]],
  [[2, 3], [1], [2, 3]],
];

for (const c of binaryCases) {
  for (const [sa, sb, so] of broadcastPairs) {
    test(`${c.name}: [${sa}] with [${sb}] broadcasts to [${so}], values and gradients reduced to each input`, () => {
      const a = c.gen(sa, 101, "a");
      const b = c.gen(sb, 202, "b");
      const w = weights(size(so));
      const ref = refBroadcast(
        [
          { data: a.f32, shape: sa },
          { data: b.f32, shape: sb },
        ],
        c.f,
        [c.da, c.db],
        w,
      );
      assert.deepEqual(ref.shape, so);
      const r = weightedGrads(() => c.op(a, b), [a, b], w);
      tidy(() => {
        const y = c.op(a, b);
        assertShape(y, so);
        assertClose(y.f32, ref.value, F32, c.name);
      });
      assert.deepEqual(r.gradShapes, [sa, sb]);
      assertClose(r.grads[0]!, ref.grads[0], GRAD, `d${c.name}/da`);
      assertClose(r.grads[1]!, ref.grads[1], GRAD, `d${c.name}/db`);
    });
  }

  test(`${c.name}: gradient passes the finite-difference check under broadcasting`, () => {
    gradCheck((a, b) => c.op(a, b), [c.gen([2, 1, 3], 303, "a"), c.gen([4, 1], 404, "b")]);
    gradCheck((a, b) => c.op(a, b), [c.gen([], 505, "a"), c.gen([3], 606, "b")]);
  });

  test(`${c.name}: a plain number operand broadcasts on either side`, () => {
    const x = c.gen([2, 2], 707, "a");
    const k = c.gen([], 808, "b").item();
    const w = weights(4);
    const left = weightedGrads(() => c.op(x, k), [x], w);
    const ref = refBroadcast(
      [
        { data: x.f32, shape: [2, 2] },
        { data: [k], shape: [] },
      ],
      c.f,
      [c.da, c.db],
      w,
    );
    assertClose(left.value, [ref.value.reduce((s, v, i) => s + v * w[i], 0)], { atol: 1e-5, rtol: 1e-5 });
    assertClose(left.grads[0]!, ref.grads[0], GRAD, "tensor op number");
    const kk = c.gen([], 909, "a").item();
    const y = c.gen([2, 2], 1010, "b");
    const right = weightedGrads(() => c.op(kk, y), [y], w);
    const ref2 = refBroadcast(
      [
        { data: [kk], shape: [] },
        { data: y.f32, shape: [2, 2] },
      ],
      c.f,
      [c.da, c.db],
      w,
    );
    assertClose(right.grads[0]!, ref2.grads[1], GRAD, "number op tensor");
  });

  test(`${c.name}: incompatible shapes throw`, () => {
    tidy(() => {
      assert.throws(
        () => c.op(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 2, 3, 4], [4])),
        /cannot be broadcast/,
      );
      assert.throws(
        () => c.op(tensor([1, 2], [2, 1]), tensor([1, 2, 3, 4, 5, 6], [3, 2])),
        /cannot be broadcast/,
      );
    });
  });
}

test("maximum and minimum: on a tie the whole gradient goes to the first operand", () => {
  const a = tensor([0.5, -1]);
  const b = tensor([0.5, -1]);
  const mx = evaluate(() => ops.sum(ops.maximum(a, b)), [a, b]);
  assert.deepEqual(
    [Array.from(mx.grads[0]!), Array.from(mx.grads[1]!)],
    [
      [1, 1],
      [0, 0],
    ],
  );
  const mn = evaluate(() => ops.sum(ops.minimum(a, b)), [a, b]);
  assert.deepEqual(
    [Array.from(mn.grads[0]!), Array.from(mn.grads[1]!)],
    [
      [1, 1],
      [0, 0],
    ],
  );
});

test("pow: the exponent's gradient is 0 (not NaN) where the base is ≤ 0", () => {
  const a = tensor([-2, 0, 3]);
  const b = tensor([2, 2, 2]);
  const r = evaluate(() => ops.sum(ops.pow(a, b)), [a, b]);
  assert.deepEqual(Array.from(r.value), [13]);
  assert.deepEqual(Array.from(r.grads[0]!), [-4, 0, 6]);
  assertClose(r.grads[1]!, [0, 0, 9 * Math.log(3)], GRAD);
});

test("mul: a gradient flows into both operands when both are the same tensor", () => {
  const x = tensor([1.5, -2]);
  const r = evaluate(() => ops.sum(ops.mul(x, x)), [x]);
  assert.deepEqual(Array.from(r.grads[0]!), [3, -4]);
});

// --- where -------------------------------------------------------------------------

test("where: cond [2,1,3], a [4,1], b rank-0 broadcast to [2,4,3], gradients reduced by selection", () => {
  const cond = tensor([1, 0, 1, 0, 0, 1], [2, 1, 3]);
  const a = randTensor([4, 1], 21);
  const b = scalar(0.25);
  const w = weights(24);
  const ref = refBroadcast(
    [
      { data: cond.f32, shape: [2, 1, 3] },
      { data: a.f32, shape: [4, 1] },
      { data: b.f32, shape: [] },
    ],
    (c, x, y) => (c !== 0 ? x : y),
    [() => 0, (c) => (c !== 0 ? 1 : 0), (c) => (c !== 0 ? 0 : 1)],
    w,
  );
  tidy(() => {
    const y = ops.where(cond, a, b);
    assertShape(y, [2, 4, 3]);
    assertClose(y.f32, ref.value, F32);
  });
  const r = weightedGrads(() => ops.where(cond, a, b), [a, b], w);
  assert.deepEqual(r.gradShapes, [[4, 1], []]);
  assertClose(r.grads[0]!, ref.grads[1], GRAD, "da");
  assertClose(r.grads[1]!, ref.grads[2], GRAD, "db");
});

test("where: the unselected branch gets exactly zero gradient even where it is ±inf or NaN", () => {
  const cond = tensor([1, 1, 1, 0, 0]);
  const a = tensor([1, 2, 3, Number.POSITIVE_INFINITY, Number.NaN]);
  const b = tensor([Number.POSITIVE_INFINITY, Number.NaN, Number.NEGATIVE_INFINITY, 5, 6]);
  const w = Float64Array.of(0.5, -1, 2, 0.25, -3);
  const r = weightedGrads(() => ops.where(cond, a, b), [a, b], w);
  assert.deepEqual(Array.from(r.grads[0]!), [0.5, -1, 2, 0, 0]);
  assert.deepEqual(Array.from(r.grads[1]!), [0, 0, 0, 0.25, -3]);
  assert.ok(allFinite(r.grads[0]!) && allFinite(r.grads[1]!));
  assert.ok(!Object.is(r.grads[0]![3], -0) && !Object.is(r.grads[1]![0], -0), "zeros are +0");
});

test("where: a number branch such as -Infinity fills the unselected positions", () => {
  tidy(() => {
    const y = ops.where(tensor([1, 0, 1]), tensor([4, 5, 6]), Number.NEGATIVE_INFINITY);
    assert.deepEqual(Array.from(y.f32), [4, Number.NEGATIVE_INFINITY, 6]);
  });
});

test("where: gradient passes the finite-difference check under broadcasting", () => {
  const cond = tensor([1, 0, 0, 1, 1, 0], [2, 1, 3]);
  gradCheck((a, b) => ops.where(cond, a, b), [randTensor([4, 1], 22), randTensor([3], 23)]);
});

test("where: incompatible shapes throw", () => {
  tidy(() => {
    assert.throws(() => ops.where(tensor([1, 0, 1]), tensor([1, 2]), 0), /cannot be broadcast/);
  });
});

// --- comparisons -------------------------------------------------------------------

const comparisons: [
  string,
  (a: Tensor | number, b: Tensor | number) => Tensor,
  (a: number, b: number) => boolean,
][] = [
  ["equal", ops.equal, (a, b) => a === b],
  ["notEqual", ops.notEqual, (a, b) => a !== b],
  ["less", ops.less, (a, b) => a < b],
  ["lessEqual", ops.lessEqual, (a, b) => a <= b],
  ["greater", ops.greater, (a, b) => a > b],
  ["greaterEqual", ops.greaterEqual, (a, b) => a >= b],
];

for (const [name, op, f] of comparisons) {
  test(`${name}: float 0/1 values including ties and NaN`, () => {
    tidy(() => {
      const a = tensor([1, 2, 3, Number.NaN]);
      const b = tensor([2, 2, 2, Number.NaN]);
      const y = op(a, b);
      assert.equal(y.dtype, "float32");
      assert.deepEqual(
        Array.from(y.f32),
        [0, 1, 2, 3].map((i) => (f(a.f32[i], b.f32[i]) ? 1 : 0)),
      );
    });
  });

  test(`${name}: broadcasts [2,1,3] with [4,1], and with a number`, () => {
    tidy(() => {
      const a = tensor([0, 1, 2, 3, 1, 2], [2, 1, 3]);
      const b = tensor([1, 2, 0, 3], [4, 1]);
      const ref = refBroadcast(
        [
          { data: a.f32, shape: [2, 1, 3] },
          { data: b.f32, shape: [4, 1] },
        ],
        (x, z) => (f(x, z) ? 1 : 0),
        [],
      );
      const y = op(a, b);
      assertShape(y, [2, 4, 3]);
      assert.deepEqual(Array.from(y.f32), Array.from(ref.value));
      assert.deepEqual(
        Array.from(op(a, 1).f32),
        Array.from(a.f32, (v) => (f(v, 1) ? 1 : 0)),
      );
      assert.deepEqual(
        Array.from(op(1, a).f32),
        Array.from(a.f32, (v) => (f(1, v) ? 1 : 0)),
      );
    });
  });

  test(`${name}: has no gradient (a mask is a constant)`, () => {
    const x = tensor([-1, 0.5, 2]);
    const alone = evaluate(() => ops.sum(op(x, 0.5)), [x]);
    assert.deepEqual(alone.grads, [null]);
    const masked = evaluate(() => ops.sum(ops.mul(x, op(x, 0.5))), [x]);
    assert.deepEqual(
      Array.from(masked.grads[0]!),
      [-1, 0.5, 2].map((v) => (f(Math.fround(v), 0.5) ? 1 : 0)),
    );
  });

  test(`${name}: incompatible shapes throw`, () => {
    tidy(() => {
      assert.throws(() => op(tensor([1, 2, 3]), tensor([1, 2])), /cannot be broadcast/);
    });
  });
}

// --- cast ----------------------------------------------------------------------------

test("cast: float32 → int32 truncates toward zero", () => {
  tidy(() => {
    const y = ops.cast(tensor([-1.7, -0.2, 0, 2.9, 3]), "int32");
    assert.equal(y.dtype, "int32");
    assert.deepEqual(Array.from(y.i32), [-1, 0, 0, 2, 3]);
  });
});

test("cast: int32 → float32 keeps the values and the shape", () => {
  tidy(() => {
    const y = ops.cast(tensor([-3, 0, 7, 2], [2, 2], "int32"), "float32");
    assert.equal(y.dtype, "float32");
    assertShape(y, [2, 2]);
    assert.deepEqual(Array.from(y.f32), [-3, 0, 7, 2]);
  });
});

test("cast: to the same dtype is the identity and keeps the gradient", () => {
  const x = tensor([1, 2, 3]);
  const r = weightedGrads(() => ops.cast(x, "float32"), [x], Float64Array.of(0.5, -1, 2));
  assert.deepEqual(Array.from(r.grads[0]!), [0.5, -1, 2]);
});

test("cast: a round trip through int32 has no gradient", () => {
  const x = tensor([1.5, 2.5]);
  const r = evaluate(() => ops.sum(ops.cast(ops.cast(x, "int32"), "float32")), [x]);
  assert.deepEqual(Array.from(r.value), [3]);
  assert.deepEqual(r.grads, [null]);
});

test("binary ops: an int32 operand is rejected", () => {
  tidy(() => {
    assert.throws(() => ops.add(tensor([1, 2], [2], "int32"), tensor([1, 2])), /int32, float32 expected/);
  });
});
