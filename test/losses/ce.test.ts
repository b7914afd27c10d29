import assert from "node:assert/strict";
import { test } from "node:test";
import { lossClass } from "../../src/losses/index.js";
import { gradCheck } from "../helpers/gradcheck.js";
import { at, LABELS, outputOf, randOutput, target, VALID } from "./support.js";

const ce = lossClass("ce", "test");

/** −Σ_v t_v·log softmax(log y)_v over valid frames, t = 1−ls on the label and ls/(V−1) elsewhere. */
function expectedCe(y: ReturnType<typeof randOutput>, ls: number): number {
  let total = 0;
  for (const [b, s] of VALID) {
    let z = 0;
    for (let v = 0; v < 4; v++) z += at(y, b, s, v);
    for (let v = 0; v < 4; v++) {
      const tv = v === LABELS[b][s] ? 1 - ls : ls / 3;
      total -= tv * Math.log(at(y, b, s, v) / z);
    }
  }
  return total;
}

for (const ls of [0, 0.1]) {
  test(`ce on probabilities (label_smoothing ${ls}): the cross-entropy over valid frames, with frame errors`, () => {
    const y = randOutput(5, 0.05, 1);
    const t = target();
    const r = ce.compute(outputOf(y, t), t, { label_smoothing: ls }, "test");
    const want = expectedCe(y, ls);
    assert.ok(Math.abs(r.value!.item() - want) < 1e-4, `${r.value!.item()} vs ${want}`);
    let errors = 0;
    for (const [b, s] of VALID) {
      let best = 0;
      for (let v = 1; v < 4; v++) if (at(y, b, s, v) > at(y, b, s, best)) best = v;
      if (best !== LABELS[b][s]) errors++;
    }
    assert.equal(r.error, errors);
    assert.equal(r.frames, 5);
  });
}

test("gradcheck loss:ce at full tensors, with label smoothing", () => {
  const t = target();
  gradCheck(
    (x) => ce.compute(outputOf(x, t), t, { label_smoothing: 0.1 }, "test").value!,
    [randOutput(6, 0.2, 1)],
    { eps: 1e-3, atol: 1e-3, rtol: 1e-3 },
  );
});

test("use_fused (RETURNN's TF kernel choice) is accepted without changing the value; a non-boolean is an error", () => {
  const y = randOutput(5, 0.05, 1);
  const t = target();
  const plain = ce.compute(outputOf(y, t), t, {}, "test").value!.item();
  assert.equal(ce.compute(outputOf(y, t), t, { use_fused: false }, "test").value!.item(), plain);
  assert.throws(
    () => ce.compute(outputOf(y, t), t, { use_fused: 1 }, "test"),
    /"use_fused" must be true or false/,
  );
});
