import assert from "node:assert/strict";
import { test } from "node:test";
import { add, mul, sum } from "../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import {
  deferInScope,
  keep,
  liveTensorCount,
  scalar,
  Tensor,
  tensor,
  tidy,
  zeros,
} from "../../src/tensor/tensor.js";

test("tensors know their dtype, shape and size", () => {
  const t = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.equal(t.dtype, "float32");
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.size, 6);
  assert.equal(tensor([1, 2], [2], "int32").dtype, "int32");
});

test("a shape that does not match the data is rejected", () => {
  assert.throws(() => new Tensor([2, 2], new Float32Array(3)), /shape \[2,2\] needs 4/);
});

test("tidy disposes what it created except its result", () => {
  const before = liveTensorCount();
  const kept = tidy(() => {
    zeros([3]);
    zeros([4]);
    return scalar(1);
  });
  assert.equal(liveTensorCount(), before + 1);
  assert.equal(kept.item(), 1);
  kept.dispose();
  assert.equal(liveTensorCount(), before);
});

test("results nested in arrays and objects survive tidy", () => {
  const before = liveTensorCount();
  const out = tidy(() => ({ a: [scalar(1)], b: { c: scalar(2) }, junk: zeros([2]).size }));
  assert.equal(liveTensorCount(), before + 2);
  out.a[0].dispose();
  out.b.c.dispose();
});

test("kept tensors outlive every scope", () => {
  const p = tidy(() => keep(zeros([2])));
  assert.equal(p.isDisposed, false);
  p.dispose();
});

test("tidy also cleans up when its function throws", () => {
  const before = liveTensorCount();
  assert.throws(() =>
    tidy(() => {
      zeros([5]);
      throw new Error("boom");
    }),
  );
  assert.equal(liveTensorCount(), before);
});

test("using a disposed tensor is an error, not a silent read", () => {
  const t = zeros([1]);
  t.dispose();
  assert.throws(() => t.data, /used after dispose/);
});

test("deferInScope: a value computed later belongs to the scope it was deferred in", () => {
  const before = liveTensorCount();
  let computed = 0;
  tidy(() => {
    const x = tensor([1, 2, 3]);
    const lazy = deferInScope(() => {
      computed++;
      return add(x, x);
    });
    assert.equal(computed, 0);
    // Requested inside an inner scope, it must outlive that scope.
    const y = tidy(() => {
      lazy();
      return scalar(0);
    });
    assert.equal(computed, 1);
    const again = lazy();
    assert.deepEqual(Array.from(again.f32), [2, 4, 6]);
    assert.ok(y);
  });
  assert.equal(liveTensorCount(), before);
});

test("deferInScope: requesting the value after its scope ended is an error", () => {
  const lazy = tidy(() => {
    const x = tensor([1]);
    return deferInScope(() => add(x, x));
  });
  assert.throws(() => lazy(), /a deferred tensor was requested after its tidy scope ended/);
});

test("deferInScope: gradients flow through a value computed lazily inside valueAndGrads", () => {
  tidy(() => {
    const x = tensor([1, 2]);
    const { grads } = valueAndGrads(() => {
      const lazy = deferInScope(() => mul(x, x));
      return sum(lazy());
    }, [x]);
    assert.deepEqual(Array.from(grads[0]!.f32), [2, 4]);
  });
});
