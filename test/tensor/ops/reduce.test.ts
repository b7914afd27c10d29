/**
 * Reductions (sum, mean, max, logSumExp) over single and multiple axes, with
 * and without keepDims: values and gradients against float64 references, and
 * finite differences (gradCheck's stated default tolerance).
 *
 * Tolerances: VALUE |Δ| ≤ 1e-6 + 1e-6·|ref| (multi-axis reductions round to
 * float32 once per axis); GRAD |Δ| ≤ 1e-6 + 1e-5·|ref|.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ops from "../../../src/tensor/ops/index.js";
import { type Tensor, tensor, tidy } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor, testRandom } from "../../helpers/gradcheck.js";
import {
  assertClose,
  assertShape,
  evaluate,
  reduceGroups,
  refLogSumExp,
  type Tol,
  weightedGrads,
  weights,
} from "./support.js";

const VALUE: Tol = { atol: 1e-6, rtol: 1e-6 };
const GRAD: Tol = { atol: 1e-6, rtol: 1e-5 };
const SHAPE = [2, 3, 4];

type Reducer = (x: Tensor, axes?: number | readonly number[], keepDims?: boolean) => Tensor;

interface ReduceCase {
  name: string;
  op: Reducer;
  /** Value of one group (elements in row-major order). */
  f: (xs: number[]) => number;
  /** d value / d xs for one group. */
  df: (xs: number[]) => number[];
}

const firstMax = (xs: number[]): number => xs.indexOf(Math.max(...xs));

const cases: ReduceCase[] = [
  { name: "sum", op: ops.sum, f: (xs) => xs.reduce((a, b) => a + b, 0), df: (xs) => xs.map(() => 1) },
  {
    name: "mean",
    op: ops.mean,
    f: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
    df: (xs) => xs.map(() => 1 / xs.length),
  },
  {
    name: "max",
    op: ops.max,
    f: (xs) => Math.max(...xs),
    df: (xs) => xs.map((_, i) => (i === firstMax(xs) ? 1 : 0)),
  },
  {
    name: "logSumExp",
    op: ops.logSumExp,
    f: refLogSumExp,
    df: (xs) => xs.map((v) => Math.exp(v - refLogSumExp(xs))),
  },
];

/** Distinct values 0.1 apart in a shuffled order: no ties, and no near-ties for finite differences. */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = testRandom(seed);
  const vals = Array.from({ length: n }, (_, i) => -1.2 + 0.1 * i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return tensor(vals, shape);
}

const axisSets: (number[] | undefined)[] = [[0], [1], [-1], [0, 2], [2, 0], [1, 2], [0, 1, 2], undefined];

for (const c of cases) {
  for (const axes of axisSets) {
    for (const keepDims of [false, true]) {
      const label = axes === undefined ? "all axes" : `axes [${axes}]`;
      test(`${c.name}: ${label}, keepDims ${keepDims}: values and gradients match float64`, () => {
        const x = distinct(SHAPE, 41);
        const resolved = (axes ?? [0, 1, 2]).map((a) => (a < 0 ? a + 3 : a));
        const outShape = keepDims
          ? SHAPE.map((d, i) => (resolved.includes(i) ? 1 : d))
          : SHAPE.filter((_, i) => !resolved.includes(i));
        const groups = reduceGroups(SHAPE, resolved);
        const w = weights(groups.length);
        const value = groups.map((g) => c.f(g.map((i) => x.f32[i])));
        const grad = new Float64Array(x.size);
        groups.forEach((g, k) => {
          const d = c.df(g.map((i) => x.f32[i]));
          g.forEach((i, j) => {
            grad[i] += w[k] * d[j];
          });
        });
        tidy(() => {
          const y = c.op(x, axes, keepDims);
          assertShape(y, outShape);
          assertClose(y.f32, value, VALUE, c.name);
        });
        const r = weightedGrads(() => c.op(x, axes, keepDims), [x], w);
        assert.deepEqual(r.gradShapes, [SHAPE]);
        assertClose(r.grads[0]!, grad, GRAD, `d${c.name}`);
      });
    }
  }

  test(`${c.name}: gradient passes the finite-difference check over one and several axes`, () => {
    gradCheck((x) => c.op(x, 1), [distinct(SHAPE, 42)]);
    gradCheck((x) => c.op(x, [0, 2], true), [distinct(SHAPE, 43)]);
    gradCheck((x) => c.op(x), [distinct([3, 4], 44)]);
  });

  test(`${c.name}: an axis out of range throws`, () => {
    tidy(() => {
      assert.throws(() => c.op(randTensor([2, 3], 45), 2), /out of range/);
      assert.throws(() => c.op(randTensor([2, 3], 45), -3), /out of range/);
    });
  });
}

test("sum: a repeated axis is reduced once", () => {
  tidy(() => {
    const y = ops.sum(tensor([1, 2, 3, 4], [2, 2]), [1, 1, -1]);
    assert.deepEqual(Array.from(y.f32), [3, 7]);
  });
});

test("sum: the empty axis list is the identity", () => {
  tidy(() => {
    const y = ops.sum(tensor([1, 2, 3, 4], [2, 2]), []);
    assertShape(y, [2, 2]);
    assert.deepEqual(Array.from(y.f32), [1, 2, 3, 4]);
  });
});

test("mean: the gradient is exactly 1/count", () => {
  const x = randTensor([2, 4], 46);
  const r = evaluate(() => ops.mean(x), [x]);
  assert.deepEqual(Array.from(r.grads[0]!), new Array(8).fill(0.125));
});

test("max: on a tie along one axis the gradient goes to the first maximal element", () => {
  const x = tensor([3, 1, 3, 2, 2, 0], [2, 3]);
  const rows = evaluate(() => ops.sum(ops.max(x, 1)), [x]);
  assert.deepEqual(Array.from(rows.value), [5]);
  assert.deepEqual(Array.from(rows.grads[0]!), [1, 0, 0, 1, 0, 0]);
  const y = tensor([1, 4, 4, 1], [2, 2]);
  const cols = evaluate(() => ops.sum(ops.max(y, 0)), [y]);
  assert.deepEqual(Array.from(cols.grads[0]!), [0, 1, 1, 0]);
});

test("max: on a tie over several axes the gradient goes to the first maximal element in row-major order", () => {
  const x = tensor([1, 5, 5, 1], [2, 2]);
  const all = evaluate(() => ops.max(x), [x]);
  assert.deepEqual(Array.from(all.value), [5]);
  assert.deepEqual(Array.from(all.grads[0]!), [0, 1, 0, 0]);
  const both = evaluate(() => ops.sum(ops.max(x, [1, 0], true)), [x]);
  assert.deepEqual(Array.from(both.grads[0]!), [0, 1, 0, 0]);
  // Axes 0 and 2 of [2, 2, 2]: groups are {x[0,j,0], x[0,j,1], x[1,j,0], x[1,j,1]} for each j.
  const z = tensor([0, 9, 7, 7, 9, 0, 7, 1], [2, 2, 2]);
  const outer = evaluate(() => ops.sum(ops.max(z, [0, 2])), [z]);
  assert.deepEqual(Array.from(outer.value), [16]);
  assert.deepEqual(Array.from(outer.grads[0]!), [0, 1, 1, 0, 0, 0, 0, 0]);
});

test("max: keeps -inf and propagates NaN", () => {
  tidy(() => {
    assert.deepEqual(Array.from(ops.max(tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])).f32), [
      Number.NEGATIVE_INFINITY,
    ]);
    assert.ok(Number.isNaN(ops.max(tensor([1, Number.NaN, 2])).item()));
  });
});

test("logSumExp: stays finite and exact for large inputs", () => {
  tidy(() => {
    const y = ops.logSumExp(tensor([1000, 1000, -1000, 500], [2, 2]), 1);
    assertClose(y.f32, [1000 + Math.LN2, 500], VALUE);
  });
});

test("logSumExp: -inf entries contribute nothing and get a zero gradient", () => {
  const x = tensor([Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY, Math.log(3)], [2, 2]);
  const r = evaluate(() => ops.sum(ops.logSumExp(x, 1)), [x]);
  assertClose(r.value, [Math.log(3)], VALUE);
  assert.deepEqual(Array.from(r.grads[0]!), [0, 1, 0, 1]);
});

test("logSumExp: the gradient is the softmax over the reduced elements", () => {
  const x = tensor([0, Math.log(3)]);
  const r = evaluate(() => ops.logSumExp(x), [x]);
  assertClose(r.value, [Math.log(4)], VALUE);
  assertClose(r.grads[0]!, [0.25, 0.75], GRAD);
});
