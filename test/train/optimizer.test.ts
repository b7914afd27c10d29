import assert from "node:assert/strict";
import { test } from "node:test";
import { adamUpdate, newAdamSlots } from "../../src/optim/adam.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { optimizerFromConfig, type ParamGrad } from "../../src/train/optimizer.js";
import { ReproError } from "../../src/util/errors.js";

const t = (v: number[]) => new Tensor([v.length], Float32Array.from(v));
const pg = (name: string, value: Tensor, grad: number[] | null): ParamGrad => ({
  name,
  value,
  grad: grad && t(grad),
});

test("the default optimizer is adam with TensorFlow's defaults", () => {
  assert.deepEqual(optimizerFromConfig(undefined, "c").description, {
    class: "adam",
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weight_decay: 0,
  });
});

test("adam updates match adamUpdate with per-parameter step counts", () => {
  const opt = optimizerFromConfig({ class: "Adam", epsilon: 1e-6 }, "c");
  const p = t([1, -2]);
  const ref = t([1, -2]);
  const slots = newAdamSlots(2);
  for (let s = 1; s <= 3; s++) {
    opt.update([pg("w", p, [0.5 * s, -1])], 0.1);
    adamUpdate(ref, t([0.5 * s, -1]), slots, 0.1, s, {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-6,
      weightDecay: 0,
    });
  }
  assert.deepEqual([...p.f32], [...ref.f32]);
  assert.deepEqual(opt.state().steps, { w: 3 });
});

test("a parameter with a null gradient is not updated and its step count does not advance", () => {
  const opt = optimizerFromConfig({ class: "adam" }, "c");
  const a = t([1, 2]);
  const b = t([3, 4]);
  opt.update([pg("a", a, [1, 1]), pg("b", b, null)], 0.1);
  assert.deepEqual([...b.f32], [3, 4]);
  assert.deepEqual(opt.state().steps, { a: 1 });
  assert.deepEqual(Object.keys(opt.state().slots), ["m/a", "v/a"]);
});

test("sgd with momentum: v ← μ·v + g; p ← p − lr·v", () => {
  const opt = optimizerFromConfig({ class: "sgd", momentum: 0.5 }, "c");
  const p = t([1]);
  opt.update([pg("w", p, [1])], 0.1);
  opt.update([pg("w", p, [1])], 0.1);
  assert.equal(p.f32[0], Math.fround(Math.fround(1 - 0.1) - 0.1 * 1.5));
});

test("state and load round-trip: a restored optimizer continues exactly", () => {
  const run = (restoreAfter: number | null) => {
    let opt = optimizerFromConfig({ class: "adam", weight_decay: 0.01 }, "c");
    const p = t([0.3, -0.7, 1.1]);
    for (let s = 0; s < 5; s++) {
      if (s === restoreAfter) {
        const saved = opt.state();
        opt = optimizerFromConfig({ class: "adam", weight_decay: 0.01 }, "c");
        opt.load(saved);
      }
      opt.update([pg("w", p, [Math.sin(s), Math.cos(s), 0.1 * s])], 0.01);
    }
    return [...p.f32];
  };
  assert.deepEqual(run(3), run(null));
});

test("loading another optimizer class's state is an error", () => {
  const adam = optimizerFromConfig({ class: "adam" }, "c");
  adam.update([pg("w", t([1]), [1])], 0.1);
  const sgd = optimizerFromConfig({ class: "sgd" }, "c");
  assert.throws(() => sgd.load(adam.state()), /adam optimizer state, the config asks for sgd/);
});

test("unknown classes and options are one-line errors with did-you-mean hints", () => {
  const fails = (v: unknown, re: RegExp) =>
    assert.throws(
      () => optimizerFromConfig(v, "c.json"),
      (e: unknown) => e instanceof ReproError && re.test(e.message),
    );
  fails({ class: "adma" }, /c\.json: optimizer: unknown class "adma" \(did you mean "adam"\?\)/);
  fails({ class: "adam", epsilom: 1 }, /unknown option "epsilom" \(did you mean "epsilon"\?\)/);
  fails({ class: "adam", beta1: 1 }, /option "beta1" must be in \[0, 1\)/);
  fails({ class: "sgd", momentum: -1 }, /option "momentum" must be in \[0, 1\)/);
  fails("adam", /optimizer must be a dict/);
});

test("adam updates parameters at different step counts in one update, each with its own count", () => {
  const opt = optimizerFromConfig({ class: "adam" }, "c");
  const a = t([1, -2]);
  const b = t([3, 4]);
  const refA = t([1, -2]);
  const refB = t([3, 4]);
  const slotsA = newAdamSlots(2);
  const slotsB = newAdamSlots(2);
  opt.update([pg("a", a, [0.5, -1]), pg("b", b, null)], 0.1);
  opt.update([pg("a", a, [0.25, 1]), pg("b", b, [2, -3])], 0.1);
  const defaults = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };
  adamUpdate(refA, t([0.5, -1]), slotsA, 0.1, 1, defaults);
  adamUpdate(refA, t([0.25, 1]), slotsA, 0.1, 2, defaults);
  adamUpdate(refB, t([2, -3]), slotsB, 0.1, 1, defaults);
  assert.deepEqual([...a.f32], [...refA.f32]);
  assert.deepEqual([...b.f32], [...refB.f32]);
  assert.deepEqual(opt.state().steps, { a: 2, b: 1 });
});
