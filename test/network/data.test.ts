import assert from "node:assert/strict";
import { test } from "node:test";
import { batchDim, Data, staticDim } from "../../src/network/data.js";
import { liveTensorCount, Tensor, tidy } from "../../src/tensor/tensor.js";

const data = () => new Data(new Tensor([2, 3], new Float32Array(6).fill(1)), [batchDim(2), staticDim(3)]);

test("derived tensors of frozen data are computed once per key, and freed by disposeDerived", () => {
  const d = data();
  d.freeze();
  let calls = 0;
  const make = () => {
    calls++;
    return new Tensor([3], new Float32Array(3));
  };
  const live = liveTensorCount();
  const first = tidy(() => {
    const t = d.derived("k", make);
    assert.equal(d.derived("k", make), t);
    d.derived("other", make);
    return t;
  });
  assert.equal(calls, 2);
  assert.equal(liveTensorCount(), live + 2); // kept past the scope
  assert.equal(
    tidy(() => d.derived("k", make)),
    first,
  );
  d.disposeDerived();
  assert.ok(first.isDisposed);
  assert.equal(liveTensorCount(), live);
});

test("derived tensors of data that is not frozen are computed at every call", () => {
  const d = data();
  let calls = 0;
  const make = () => {
    calls++;
    return new Tensor([3], new Float32Array(3));
  };
  assert.notEqual(d.derived("k", make), d.derived("k", make));
  assert.equal(calls, 2);
});
