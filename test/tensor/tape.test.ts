import assert from "node:assert/strict";
import { test } from "node:test";
import { add, exp, matmul, mul, relu, sum } from "../../src/tensor/ops/index.js";
import {
  customGrad,
  grad,
  noGrad,
  requiresGrad,
  stopGradient,
  valueAndGrads,
} from "../../src/tensor/tape.js";
import { liveTensorCount, scalar, type Tensor, tensor, tidy } from "../../src/tensor/tensor.js";

test("grad(f)(x) of x² is 2x", () => {
  const g = grad((x) => sum(mul(x, x)))(tensor([1, -2, 3]));
  assert.deepEqual(g.toArray(), [2, -4, 6]);
});

test("valueAndGrads returns the value and one gradient per parameter", () => {
  const a = tensor([2]);
  const b = tensor([3]);
  const { value, grads } = valueAndGrads(() => sum(mul(a, b)), [a, b]);
  assert.equal(value.item(), 6);
  assert.deepEqual(
    grads.map((g) => g?.item()),
    [3, 2],
  );
});

test("a parameter the objective does not depend on gets no gradient", () => {
  const a = tensor([2]);
  const unused = tensor([5]);
  const { grads } = valueAndGrads(() => sum(mul(a, a)), [a, unused]);
  assert.equal(grads[1], null);
});

test("gradients from several uses accumulate", () => {
  const x = tensor([3]);
  const { grads } = valueAndGrads(() => sum(add(mul(x, x), mul(x, 4))), [x]);
  assert.equal(grads[0]?.item(), 10);
});

test("two parameters receiving the same gradient get independent tensors", () => {
  const a = tensor([1]);
  const b = tensor([1]);
  const { grads } = valueAndGrads(() => sum(add(a, b)), [a, b]);
  assert.notEqual(grads[0], grads[1]);
  grads[0]!.f32[0] = 100;
  assert.equal(grads[1]?.item(), 1);
});

test("stopGradient blocks the gradient but keeps the value", () => {
  const x = tensor([2]);
  const { value, grads } = valueAndGrads(() => sum(mul(stopGradient(x), x)), [x]);
  assert.equal(value.item(), 4);
  assert.equal(grads[0]?.item(), 2);
});

test("noGrad records nothing", () => {
  const x = tensor([2]);
  const { grads } = valueAndGrads(() => {
    const y = noGrad(() => mul(x, x));
    assert.equal(requiresGrad(y), false);
    return sum(add(y, x));
  }, [x]);
  assert.equal(grads[0]?.item(), 1);
});

test("a subgraph that does not reach the objective is never differentiated", () => {
  const x = tensor([1, 2]);
  let calls = 0;
  const spy = (t: Tensor) =>
    customGrad(
      [t],
      () => exp(t),
      (g) => {
        calls++;
        return [g];
      },
    );
  valueAndGrads(() => {
    spy(x); // computed, but nothing depends on it
    return sum(mul(x, x));
  }, [x]);
  assert.equal(calls, 0);
});

test("a subgraph multiplied by the constant 0 is never differentiated", () => {
  const x = tensor([1, 2]);
  let calls = 0;
  const { grads } = valueAndGrads(() => {
    const aux = customGrad(
      [x],
      () => exp(x),
      (g) => {
        calls++;
        return [g];
      },
    );
    return add(sum(mul(x, x)), mul(sum(aux), 0));
  }, [x]);
  assert.equal(calls, 0);
  assert.deepEqual(grads[0]?.toArray(), [2, 4]);
});

test("customGrad uses the supplied gradient", () => {
  const x = tensor([3]);
  const { grads } = valueAndGrads(
    () =>
      sum(
        customGrad(
          [x],
          () => relu(x),
          (g) => [mul(g, 7)],
        ),
      ),
    [x],
  );
  assert.equal(grads[0]?.item(), 7);
});

test("nested valueAndGrads is refused", () => {
  const x = scalar(1);
  assert.throws(() => valueAndGrads(() => valueAndGrads(() => x, [x]).value, [x]), /nested/);
});

test("a non-scalar objective is refused", () => {
  const x = tensor([1, 2]);
  assert.throws(() => valueAndGrads(() => mul(x, 2), [x]), /scalar/);
});

test("repeated training steps inside tidy keep the live tensor count flat", () => {
  const w = tensor([0.1, 0.2, 0.3, 0.4], [2, 2]);
  const x = tensor([1, 2, 3, 4, 5, 6], [3, 2]);
  const step = () =>
    tidy(() => {
      const { grads } = valueAndGrads(() => sum(relu(matmul(x, w))), [w]);
      const g = grads[0]!.f32;
      for (let i = 0; i < g.length; i++) w.f32[i] -= 0.01 * g[i];
    });
  step();
  const baseline = liveTensorCount();
  for (let i = 0; i < 50; i++) step();
  assert.equal(liveTensorCount(), baseline);
});
