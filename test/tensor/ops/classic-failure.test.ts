/**
 * The classic failure from the original report: attention energies masked with
 * -inf, a softmax, an entropy term −Σ p·log p added to the loss with scale 0.
 * Through a -inf-masked softmax the entropy's gradient is 0·∞ = NaN at the
 * masked positions, and the softmax backward spreads it over the whole row, so
 * `0 * entropy` poisons the gradient unless the zero cuts the graph.
 *
 * repronet's contract (point 5): multiplying by a constant 0 (a plain number or
 * an untracked one-element zero) is never differentiated. These tests show the
 * failure with a zero that is not a constant, and that the constant-zero path
 * gives gradients bitwise equal to those of the main loss alone, without the
 * entropy subgraph's backward ever running. Comparisons here are exact (bits).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ops from "../../../src/tensor/ops/index.js";
import { customGrad } from "../../../src/tensor/tape.js";
import { scalar, type Tensor, tensor } from "../../../src/tensor/tensor.js";
import { randTensor } from "../../helpers/gradcheck.js";
import { allFinite, assertBitwiseEqual, evaluate } from "./support.js";

/** Which positions of each [2, 4] energy row are real (1) or padding (0). */
const MASK = tensor([1, 1, 1, 0, 1, 1, 0, 0], [2, 4]);
const VALUES = randTensor([2, 4], 2);

/** Counts how often the backward pass reaches a point of the graph. */
function makeSpy() {
  const spy = {
    calls: 0,
    /** Identity whose backward counts its calls. */
    at: (t: Tensor): Tensor =>
      customGrad(
        [t],
        () => ops.add(t, 0),
        (gy) => {
          spy.calls++;
          return [gy];
        },
      ),
  };
  return spy;
}

/**
 * The attention-like model: p = softmax(energies masked with -inf), computed
 * as exp(logSoftmax) to have log p at hand. The entropy's masked terms are
 * 0·(−∞) = NaN, so they are excluded with `where`: its value is finite.
 */
function attention(x: Tensor, spy = makeSpy()) {
  const masked = ops.where(MASK, x, Number.NEGATIVE_INFINITY);
  const logp = ops.logSoftmax(masked);
  const p = ops.exp(logp);
  const mainLoss = ops.sum(ops.mul(p, VALUES));
  const entropy = spy.at(ops.neg(ops.sum(ops.where(MASK, spy.at(ops.mul(p, logp)), 0))));
  return { mainLoss, entropy };
}

const energies = (): Tensor => randTensor([2, 4], 1, -2, 2);

test("the entropy of a -inf-masked softmax has a finite value", () => {
  const x = energies();
  const r = evaluate(() => attention(x).entropy, [x]);
  assert.ok(allFinite(r.value));
  assert.ok(r.value[0] > 0);
});

test("failure mode: the entropy times a zero parameter gives NaN gradients", () => {
  const x = energies();
  const zero = scalar(0);
  const spy = makeSpy();
  const r = evaluate(() => {
    const { mainLoss, entropy } = attention(x, spy);
    return ops.add(mainLoss, ops.mul(entropy, zero));
  }, [x, zero]);
  assert.ok(allFinite(r.value), "the loss value itself is finite");
  assert.ok(
    r.grads[0]!.some((g) => Number.isNaN(g)),
    `energy gradients: ${Array.from(r.grads[0]!)}`,
  );
  assert.ok(spy.calls > 0, "the entropy subgraph was differentiated");
});

test("failure mode: the entropy times x·0 computed from a watched x gives NaN gradients", () => {
  const x = energies();
  const spy = makeSpy();
  const r = evaluate(() => {
    const { mainLoss, entropy } = attention(x, spy);
    const xTimesZero = ops.sub(ops.sum(x), ops.sum(x)); // exactly 0, but a function of x
    return ops.add(mainLoss, ops.mul(entropy, xTimesZero));
  }, [x]);
  assert.ok(allFinite(r.value));
  assert.ok(r.grads[0]!.some((g) => Number.isNaN(g)));
  assert.ok(spy.calls > 0);
});

for (const [label, scaled] of [
  ["mul(entropy, 0)", (e: Tensor) => ops.mul(e, 0)],
  ["mul(0, entropy)", (e: Tensor) => ops.mul(0, e)],
  ["mul(entropy, scalar(0))", (e: Tensor) => ops.mul(e, scalar(0))],
] as const) {
  test(`fixed: main_loss + ${label} has the value and gradients of main_loss alone, bit for bit`, () => {
    const x = energies();
    const alone = evaluate(() => attention(x).mainLoss, [x]);
    const spy = makeSpy();
    const withZero = evaluate(() => {
      const { mainLoss, entropy } = attention(x, spy);
      return ops.add(mainLoss, scaled(entropy));
    }, [x]);
    assert.ok(allFinite(alone.grads[0]!));
    assertBitwiseEqual(withZero.value, alone.value, "loss");
    assertBitwiseEqual(withZero.grads[0]!, alone.grads[0]!, "gradient");
    assert.equal(spy.calls, 0, "the entropy subgraph's backward never ran");
  });
}

test("fixed: masked energies get exactly zero gradient", () => {
  const x = energies();
  const r = evaluate(() => {
    const { mainLoss, entropy } = attention(x);
    return ops.add(mainLoss, ops.mul(entropy, 0));
  }, [x]);
  for (const i of [3, 6, 7]) assert.ok(Object.is(r.grads[0]![i], 0), `position ${i}`);
});

test("fixed: even an entropy whose value is NaN (−Σ p·log p unguarded) leaves the gradients untouched", () => {
  // softmax then log: the masked terms are 0·log 0 = NaN, so the entropy's value is NaN.
  const x = energies();
  const model = () => {
    const p = ops.softmax(ops.where(MASK, x, Number.NEGATIVE_INFINITY));
    const mainLoss = ops.sum(ops.mul(p, VALUES));
    const entropy = ops.neg(ops.sum(ops.mul(p, ops.log(p))));
    return { mainLoss, entropy };
  };
  const alone = evaluate(() => model().mainLoss, [x]);
  const zero = scalar(0);
  const naive = evaluate(() => {
    const { mainLoss, entropy } = model();
    return ops.add(mainLoss, ops.mul(entropy, zero));
  }, [x, zero]);
  assert.ok(Number.isNaN(naive.grads[1]![0]), "the zero parameter's gradient is the NaN entropy");
  const fixed = evaluate(() => {
    const { mainLoss, entropy } = model();
    return ops.add(mainLoss, ops.mul(0, entropy));
  }, [x]);
  // 0·NaN is NaN in the value (IEEE); the objective's gradient is still that of main_loss alone.
  assert.ok(Number.isNaN(fixed.value[0]));
  assertBitwiseEqual(fixed.grads[0]!, alone.grads[0]!, "gradient");
});
