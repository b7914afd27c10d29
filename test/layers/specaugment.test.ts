import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/specaugment.js";
import type { Data } from "../../src/network/data.js";
import { layerGradCheck, randDense, runLayer } from "../helpers/layer-harness.js";

const T = 12;
const F = 10;
const x = () => randDense([2, T, F], [T, 7], 1, 0.5, 1.5); // no zeros of its own
const masked = (y: Data) => Array.from(y.value.f32, (v) => v === 0);

test("outside training specaugment is the identity", () => {
  const input = x();
  assert.equal(runLayer("specaugment", {}, [input], { train: false }), input);
});

test("in training each sequence gets ≥ 1 time mask and ≥ 1 feature mask; other values are unchanged", () => {
  const input = x();
  const y = runLayer("specaugment", {}, [input], { train: true, step: 3 });
  const m = masked(y);
  y.value.f32.forEach((v, i) => {
    if (!m[i]) assert.equal(v, input.value.f32[i]);
  });
  for (let b = 0; b < 2; b++) {
    const frame = (t: number) => m.slice((b * T + t) * F, (b * T + t + 1) * F);
    const fullFrames = Array.from({ length: T }, (_, t) => frame(t).every(Boolean)).filter(Boolean).length;
    const fullColumns = Array.from({ length: F }, (_, f) =>
      Array.from({ length: T }, (_, t) => frame(t)[f]).every(Boolean),
    ).filter(Boolean).length;
    assert.ok(fullFrames >= 1 && fullFrames <= 20, `sequence ${b}: ${fullFrames} masked frames`);
    assert.ok(fullColumns >= 1 && fullColumns <= 2 * 2, `sequence ${b}: ${fullColumns} masked features`);
  }
});

test("masks depend on the step and batch position, never on the other sequences", () => {
  const a = masked(runLayer("specaugment", {}, [x()], { train: true, step: 3 }));
  assert.deepEqual(masked(runLayer("specaugment", {}, [x()], { train: true, step: 3 })), a);
  assert.notDeepEqual(masked(runLayer("specaugment", {}, [x()], { train: true, step: 4 })), a);
  const other = randDense([2, T, F], [T, 12], 9, 0.5, 1.5); // same first sequence length, other batch-mate
  const b = masked(runLayer("specaugment", {}, [other], { train: true, step: 3 }));
  assert.deepEqual(b.slice(0, T * F), a.slice(0, T * F));
});

test("the gradient is 1 where kept and 0 where masked (finite differences)", () => {
  layerGradCheck(
    (d) => runLayer("specaugment", { max_time_width: 3 }, [d], { train: true, step: 5 }),
    [randDense([1, 6, 5], [6], 2, 0.5, 1.5)],
  );
});
