import assert from "node:assert/strict";
import { test } from "node:test";
import { lossClass } from "../../src/losses/index.js";
import { gradCheck } from "../helpers/gradcheck.js";
import { at, outputOf, randOutput, target, VALID } from "./support.js";

const asIs = lossClass("as_is", "test");

test("as_is: the output summed over valid frames (padding excluded), frames from the target", () => {
  const y = randOutput(3);
  const t = target();
  const r = asIs.compute(outputOf(y, t), t, {}, "test");
  let want = 0;
  for (const [b, s] of VALID) for (let v = 0; v < 4; v++) want += at(y, b, s, v);
  assert.ok(Math.abs(r.value!.item() - want) < 1e-5, `${r.value!.item()} vs ${want}`);
  assert.equal(r.frames, 5);
});

test("gradcheck loss:as_is at full tensors (padded frames get zero gradient)", () => {
  const t = target();
  gradCheck((x) => asIs.compute(outputOf(x, t), t, {}, "test").value!, [randOutput(4)], {
    atol: 1e-3,
    rtol: 1e-3,
  });
});
