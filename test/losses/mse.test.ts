import assert from "node:assert/strict";
import { test } from "node:test";
import { lossClass } from "../../src/losses/index.js";
import { gradCheck } from "../helpers/gradcheck.js";
import { at, LABELS, outputOf, randOutput, target, VALID } from "./support.js";

const mse = lossClass("mse", "test");

test("mse against a sparse target: Σ over valid frames of Σ_v (y_v − onehot(label)_v)², frames counted", () => {
  const y = randOutput(1);
  const t = target();
  const r = mse.compute(outputOf(y, t), t, {}, "test");
  let want = 0;
  for (const [b, s] of VALID)
    for (let v = 0; v < 4; v++) want += (at(y, b, s, v) - (v === LABELS[b][s] ? 1 : 0)) ** 2;
  assert.ok(Math.abs(r.value!.item() - want) < 1e-5, `${r.value!.item()} vs ${want}`);
  assert.equal(r.frames, 5);
});

test("gradcheck loss:mse at full tensors", () => {
  const y = randOutput(2);
  const t = target();
  gradCheck((x) => mse.compute(outputOf(x, t), t, {}, "test").value!, [y], { atol: 1e-3, rtol: 1e-3 });
});
