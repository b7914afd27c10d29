/**
 * Shape ops: reshape, transpose/permute, slice, concat, split, pad,
 * broadcastTo/expand, expandDims, squeeze. Values are exact (pure data
 * movement), gradients are checked exactly against the inverse movement and by
 * finite differences (gradCheck's stated default tolerance).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ops from "../../../src/tensor/ops/index.js";
import { type Tensor, tensor, tidy } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor } from "../../helpers/gradcheck.js";
import { assertShape, evaluate, size, sourceIndex, weightedGrads, weights } from "./support.js";

const iota = (shape: number[]): Tensor =>
  tensor(
    Array.from({ length: size(shape) }, (_, i) => i),
    shape,
  );

// --- reshape -------------------------------------------------------------------

test("reshape: keeps the row-major order and resolves one -1", () => {
  tidy(() => {
    const x = iota([2, 3, 4]);
    const y = ops.reshape(x, [4, -1]);
    assertShape(y, [4, 6]);
    assert.deepEqual(Array.from(y.f32), Array.from(x.f32));
    assertShape(ops.reshape(x, [-1]), [24]);
    assertShape(ops.reshape(x, [2, -1, 2]), [2, 6, 2]);
  });
});

test("reshape: a size mismatch throws", () => {
  tidy(() => {
    assert.throws(() => ops.reshape(iota([2, 3]), [4, 2]), /cannot reshape/);
    assert.throws(() => ops.reshape(iota([2, 3]), [4, -1]), /cannot reshape/);
  });
});

test("reshape: the gradient is the upstream gradient in the input's shape", () => {
  const x = randTensor([2, 3, 4], 1);
  const w = weights(24);
  const r = weightedGrads(() => ops.reshape(x, [4, -1]), [x], w);
  assert.deepEqual(r.gradShapes, [[2, 3, 4]]);
  assert.deepEqual(Array.from(r.grads[0]!), Array.from(Float32Array.from(w)));
  gradCheck((t) => ops.reshape(t, [-1, 2]), [randTensor([3, 4], 2)]);
});

// --- transpose / permute -----------------------------------------------------------

/** Float64 reference permutation: out[i0..] = x[i_perm^-1 ...]. */
function refPermute(data: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p]);
  const n = size(shape);
  const out = new Array<number>(n);
  const inStrides = shape.map((_, i) => size(shape.slice(i + 1)));
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    let src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const c = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
      src += c * inStrides[perm[d]];
    }
    out[flat] = data[src];
  }
  return out;
}

test("transpose: without perm swaps the last two axes", () => {
  tidy(() => {
    const x = iota([2, 3, 4]);
    const y = ops.transpose(x);
    assertShape(y, [2, 4, 3]);
    assert.deepEqual(Array.from(y.f32), refPermute(x.f32, [2, 3, 4], [0, 2, 1]));
    assert.deepEqual(Array.from(ops.transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3])).f32), [1, 4, 2, 5, 3, 6]);
  });
});

test("transpose: a rank-1 or rank-0 tensor without perm is returned unchanged", () => {
  tidy(() => {
    assert.deepEqual(Array.from(ops.transpose(tensor([1, 2, 3])).f32), [1, 2, 3]);
    assertShape(ops.transpose(tensor([5], [])), []);
  });
});

for (const perm of [
  [2, 0, 1],
  [1, 2, 0],
  [2, 1, 0],
  [0, 1, 2],
]) {
  test(`permute: [${perm}] moves axes and its gradient is the inverse permutation`, () => {
    const x = randTensor([2, 3, 4], 3);
    tidy(() => {
      const y = ops.permute(x, perm);
      assertShape(
        y,
        perm.map((p) => x.shape[p]),
      );
      assert.deepEqual(Array.from(y.f32), refPermute(x.f32, [2, 3, 4], perm));
    });
    const w = weights(24);
    const r = weightedGrads(() => ops.permute(x, perm), [x], w);
    // Σ y·w = Σ x·permuteᵀ(w): the gradient is w moved back by the inverse permutation.
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const outShape = perm.map((p) => x.shape[p]);
    assert.deepEqual(Array.from(r.grads[0]!), refPermute(Float32Array.from(w), outShape, inverse));
    gradCheck((t) => ops.transpose(t, perm), [x]);
  });
}

test("transpose: an invalid permutation throws", () => {
  tidy(() => {
    assert.throws(() => ops.transpose(iota([2, 3]), [0, 0]), /invalid permutation/);
    assert.throws(() => ops.transpose(iota([2, 3]), [0, 1, 2]), /invalid permutation/);
  });
});

test("transpose: int32 tensors keep their dtype", () => {
  tidy(() => {
    const y = ops.transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3], "int32"));
    assert.equal(y.dtype, "int32");
    assert.deepEqual(Array.from(y.i32), [1, 4, 2, 5, 3, 6]);
  });
});

// --- slice -------------------------------------------------------------------------

test("slice: picks the block at begin of the given size (-1 = to the end)", () => {
  tidy(() => {
    const x = iota([3, 4]);
    const y = ops.slice(x, [1, 1], [2, -1]);
    assertShape(y, [2, 3]);
    assert.deepEqual(Array.from(y.f32), [5, 6, 7, 9, 10, 11]);
    // Missing trailing entries mean "from 0" and "to the end".
    assert.deepEqual(Array.from(ops.slice(x, [2], [1]).f32), [8, 9, 10, 11]);
  });
});

test("slice: the gradient is the upstream gradient placed in zeros", () => {
  const x = randTensor([3, 4], 4);
  const r = weightedGrads(() => ops.slice(x, [1, 1], [2, 2]), [x], Float64Array.of(1, 2, 3, 4));
  assert.deepEqual(Array.from(r.grads[0]!), [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0]);
  gradCheck((t) => ops.slice(t, [0, 1, 1], [-1, 2, 2]), [randTensor([2, 3, 4], 5)]);
});

test("slice: out-of-bounds begin or size throws", () => {
  tidy(() => {
    assert.throws(() => ops.slice(iota([3, 4]), [2, 0], [2, 4]), /out of bounds/);
    assert.throws(() => ops.slice(iota([3, 4]), [-1, 0], [1, 4]), /out of bounds/);
  });
});

// --- concat / split ------------------------------------------------------------------

test("concat: along axis 0, axis 1 and a negative axis", () => {
  tidy(() => {
    const a = tensor([1, 2, 3, 4], [2, 2]);
    const b = tensor([5, 6, 7, 8, 9, 10], [2, 3]);
    const c = tensor([11, 12], [1, 2]);
    assert.deepEqual(Array.from(ops.concat([a, c], 0).f32), [1, 2, 3, 4, 11, 12]);
    const y = ops.concat([a, b], 1);
    assertShape(y, [2, 5]);
    assert.deepEqual(Array.from(y.f32), [1, 2, 5, 6, 7, 3, 4, 8, 9, 10]);
    assert.deepEqual(Array.from(ops.concat([a, b], -1).f32), Array.from(y.f32));
  });
});

test("concat: each input's gradient is its block of the upstream gradient", () => {
  const a = randTensor([2, 1, 3], 6);
  const b = randTensor([2, 2, 3], 7);
  const w = weights(18);
  const r = weightedGrads(() => ops.concat([a, b], 1), [a, b], w);
  assert.deepEqual(r.gradShapes, [
    [2, 1, 3],
    [2, 2, 3],
  ]);
  const wf = Array.from(Float32Array.from(w));
  assert.deepEqual(Array.from(r.grads[0]!), [...wf.slice(0, 3), ...wf.slice(9, 12)]);
  assert.deepEqual(Array.from(r.grads[1]!), [...wf.slice(3, 9), ...wf.slice(12, 18)]);
  gradCheck(
    (x, y, z) => ops.concat([x, y, z], 0),
    [randTensor([1, 3], 8), randTensor([2, 3], 9), randTensor([1, 3], 10)],
  );
});

test("concat: only the inputs that need a gradient get one", () => {
  const a = randTensor([2], 11);
  const b = randTensor([3], 12);
  const r = evaluate(() => ops.sum(ops.concat([a, b], 0)), [b]);
  assert.deepEqual(Array.from(r.grads[0]!), [1, 1, 1]);
});

test("concat: shapes that differ outside the axis throw, as does an empty list", () => {
  tidy(() => {
    assert.throws(() => ops.concat([iota([2, 2]), iota([3, 3])], 0), /differ outside axis/);
    assert.throws(() => ops.concat([iota([2, 2]), iota([4])], 0), /differ outside axis/);
    assert.throws(() => ops.concat([], 0), /no tensors/);
  });
});

test("concat: int32 tensors keep their dtype", () => {
  tidy(() => {
    const y = ops.concat([tensor([1, 2], [2], "int32"), tensor([3], [1], "int32")], 0);
    assert.equal(y.dtype, "int32");
    assert.deepEqual(Array.from(y.i32), [1, 2, 3]);
  });
});

test("split: into n equal pieces or given sizes, along any axis", () => {
  tidy(() => {
    const x = iota([2, 6]);
    const parts = ops.split(x, 3, 1);
    assert.deepEqual(
      parts.map((p) => Array.from(p.f32)),
      [
        [0, 1, 6, 7],
        [2, 3, 8, 9],
        [4, 5, 10, 11],
      ],
    );
    const [p, q] = ops.split(x, [1, 5], -1);
    assertShape(p, [2, 1]);
    assertShape(q, [2, 5]);
    assert.deepEqual(Array.from(q.f32), [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]);
  });
});

test("split: the gradient reassembles the pieces' gradients", () => {
  const x = randTensor([2, 5], 13);
  const r = evaluate(() => {
    const [a, b] = ops.split(x, [2, 3], 1);
    return ops.add(ops.sum(a), ops.mul(ops.sum(b), 3));
  }, [x]);
  assert.deepEqual(Array.from(r.grads[0]!), [1, 1, 3, 3, 3, 1, 1, 3, 3, 3]);
  gradCheck((t) => ops.concat(ops.split(t, [1, 2], 0).reverse(), 0), [randTensor([3, 2], 14)]);
});

test("split: sizes that do not add up throw", () => {
  tidy(() => {
    assert.throws(() => ops.split(iota([2, 5]), 2, 1), /do not add up/);
    assert.throws(() => ops.split(iota([2, 5]), [2, 2], 1), /do not add up/);
  });
});

// --- pad --------------------------------------------------------------------------------

test("pad: surrounds with zeros or a given value", () => {
  tidy(() => {
    const x = tensor([1, 2, 3, 4], [2, 2]);
    const y = ops.pad(x, [
      [1, 0],
      [0, 2],
    ]);
    assertShape(y, [3, 4]);
    assert.deepEqual(Array.from(y.f32), [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    const z = ops.pad(tensor([1, 2]), [[1, 1]], -5);
    assert.deepEqual(Array.from(z.f32), [-5, 1, 2, -5]);
  });
});

test("pad: the gradient is the upstream gradient's interior", () => {
  const x = randTensor([2, 2], 15);
  const r = weightedGrads(
    () =>
      ops.pad(x, [
        [1, 0],
        [0, 1],
      ]),
    [x],
    Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9),
  );
  assert.deepEqual(Array.from(r.grads[0]!), [4, 5, 7, 8]);
  gradCheck(
    (t) =>
      ops.pad(t, [
        [0, 1],
        [2, 1],
      ]),
    [randTensor([2, 3], 16)],
  );
});

// --- broadcastTo / expand -------------------------------------------------------------

for (const [from, to] of [
  [
    [2, 1, 3],
    [2, 4, 3],
  ],
  [
    [4, 1],
    [2, 4, 3],
  ],
  [[3], [2, 3]],
  [[], [2, 2]],
  [
    [1, 1],
    [3, 2],
  ],
] as const) {
  test(`broadcastTo: [${from}] → [${to}], the gradient sums over the broadcast axes`, () => {
    const x = randTensor([...from], 17);
    const w = weights(size([...to]));
    const src = sourceIndex(from, to);
    tidy(() => {
      const y = ops.broadcastTo(x, to);
      assertShape(y, to);
      assert.deepEqual(
        Array.from(y.f32),
        src.map((s) => x.f32[s]),
      );
    });
    const r = weightedGrads(() => ops.expand(x, to), [x], w);
    assert.deepEqual(r.gradShapes, [[...from]]);
    const expected = new Float64Array(size([...from]));
    src.forEach((s, o) => {
      expected[s] += w[o];
    });
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(r.grads[0]![i] - expected[i]) <= 1e-6);
    gradCheck((t) => ops.broadcastTo(t, to), [x]);
  });
}

test("broadcastTo: a shape it cannot reach throws", () => {
  tidy(() => {
    assert.throws(() => ops.broadcastTo(iota([2, 3]), [3]), /cannot broadcast/);
    assert.throws(() => ops.broadcastTo(iota([2, 3]), [4, 3]), /cannot be broadcast/);
    assert.throws(() => ops.broadcastTo(iota([2, 3]), [2, 1]), /cannot broadcast/);
  });
});

// --- expandDims / squeeze ----------------------------------------------------------------

test("expandDims: inserts a size-1 axis at the front, middle, end or a negative position", () => {
  tidy(() => {
    const x = iota([2, 3]);
    assertShape(ops.expandDims(x, 0), [1, 2, 3]);
    assertShape(ops.expandDims(x, 1), [2, 1, 3]);
    assertShape(ops.expandDims(x, 2), [2, 3, 1]);
    assertShape(ops.expandDims(x, -1), [2, 3, 1]);
    assert.deepEqual(Array.from(ops.expandDims(x, 1).f32), Array.from(x.f32));
  });
});

test("squeeze: drops all size-1 axes, or only the given ones", () => {
  tidy(() => {
    const x = iota([1, 2, 1, 3, 1]);
    assertShape(ops.squeeze(x), [2, 3]);
    assertShape(ops.squeeze(x, [0]), [2, 1, 3, 1]);
    assertShape(ops.squeeze(x, [2, -1]), [1, 2, 3]);
    assert.deepEqual(Array.from(ops.squeeze(x).f32), Array.from(x.f32));
  });
});

test("expandDims and squeeze: gradients keep each input's shape", () => {
  const x = randTensor([2, 3], 18);
  const r = weightedGrads(() => ops.squeeze(ops.expandDims(x, 1)), [x], weights(6));
  assert.deepEqual(r.gradShapes, [[2, 3]]);
  assert.deepEqual(Array.from(r.grads[0]!), Array.from(Float32Array.from(weights(6))));
  gradCheck((t) => ops.expandDims(t, 0), [randTensor([2, 2], 19)]);
  gradCheck((t) => ops.squeeze(t, [1]), [randTensor([2, 1, 2], 20)]);
});
