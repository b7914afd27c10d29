import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/switch.js";
import { batchDim, type Data, staticDim } from "../../src/network/data.js";
import { dataOf, layerGradCheck, runLayer } from "../helpers/layer-harness.js";

const B = batchDim(2);
const F = staticDim(3);
const cond = dataOf([1, 0], [B]);
const a = dataOf([1, 2, 3, 4, 5, 6], [B, F]);
const b = dataOf([-1, -2, -3, -4, -5, -6], [B, F]);
const layers: Record<string, Data> = { cond, a, b };
const resolve = (name: string) => layers[name];

test("switch selects per element, broadcasting the condition by dim tags", () => {
  const y = runLayer("switch", { condition: "cond", true_from: "a", false_from: "b" }, [], { resolve });
  assert.deepEqual(Array.from(y.value.f32), [1, 2, 3, -4, -5, -6]);
  const z = runLayer("switch", { condition: "cond", true_from: "a", false_from: 0 }, [], { resolve });
  assert.deepEqual(Array.from(z.value.f32), [1, 2, 3, 0, 0, 0]);
  const c = runLayer("switch", { condition: false, true_from: "a", false_from: "b" }, [], { resolve });
  assert.deepEqual(Array.from(c.value.f32), Array.from(b.value.f32));
});

test("switch gradients go to the selected branch only", () => {
  layerGradCheck(
    (x, y) =>
      runLayer("switch", { condition: "cond", true_from: "a", false_from: "b" }, [], {
        resolve: (n) => (n === "a" ? x : n === "b" ? y : cond),
      }),
    [a, b],
  );
});
