import assert from "node:assert/strict";
import { test } from "node:test";
import { keep, liveTensorCount, scalar, Tensor, tensor, tidy, zeros } from "../../src/tensor/tensor.js";

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
