/** The divergence finders on hand-made records: fingerprints every N steps, different lengths, backward order. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type FirstStep,
  firstDifferingLayer,
  firstDifferingStep,
  refineRunVerdict,
} from "../../../src/diag/diff/steps.js";
import type { TrainingSection } from "../../../src/diag/diff/types.js";

const fp = (g: number, over: Record<string, string> = {}) => ({
  global_step: g,
  epoch: 1,
  step: g,
  fingerprint: { batch: `b${g}`, grads: `g${g}`, params: `p${g}`, ...over },
});

test("the first differing step, and the first field in step order (batch before gradients before the update)", () => {
  const a = [0, 1, 2, 3].map((g) => fp(g));
  const b = [fp(0), fp(1), fp(2, { grads: "x", params: "y" }), fp(3, { batch: "z" })];
  assert.deepEqual(firstDifferingStep(a, b).first, {
    globalStep: 2,
    epoch: 1,
    step: 2,
    kind: "gradients",
    lastEqual: 1,
    compared: 4,
  });
});

test("steps without fingerprints and steps only one run has are skipped; lastEqual tells the gap", () => {
  const a = [fp(0), { global_step: 1, epoch: 1, step: 1 }, fp(2, { params: "q" }), fp(3)];
  const b = [fp(0), fp(1), fp(2)];
  const r = firstDifferingStep(a, b);
  assert.equal(r.compared, 2);
  assert.deepEqual(r.first && { at: r.first.globalStep, kind: r.first.kind, lastEqual: r.first.lastEqual }, {
    at: 2,
    kind: "update",
    lastEqual: 0,
  });
  assert.equal(firstDifferingStep(a.slice(0, 2), b).first, null);
});

const stats = (l2: number) => ({ l2, max_abs: 1, non_finite: 0 });
const layer = (name: string, l2: number) => ({ layer: name, out_non_finite: 0, ...stats(l2) });
const trace = (g: number, l2s: number[], p = 1) => ({
  global_step: g,
  layers: l2s.map((x, i) => layer(`l${i}`, x)),
  params: { "l0/W": stats(p) },
});

test("the first layer in backward order whose output gradient differs, at the first step where the traces differ", () => {
  const a = [trace(0, [1, 1, 1]), trace(1, [1, 1, 1])];
  const b = [trace(0, [1, 1, 1]), trace(1, [2, 2, 1])];
  assert.deepEqual(firstDifferingLayer(a, b), { globalStep: 1, layer: "l1", param: null });
});

test("when no layer differs but a parameter gradient does, the parameter is named", () => {
  assert.deepEqual(firstDifferingLayer([trace(0, [1])], [trace(0, [1], 2)]), {
    globalStep: 0,
    layer: null,
    param: "l0/W",
  });
  assert.equal(firstDifferingLayer([trace(0, [1])], [trace(0, [1])]), null);
});

test("the run verdict gains the first differing step and, first among the causes, the seeding explanation", () => {
  const training = (firstStep: FirstStep | null, compared = 6) =>
    ({ divergence: { firstStep, compared, firstLayer: null, traced: false } }) as unknown as TrainingSection;
  const step: FirstStep = { globalStep: 0, epoch: 1, step: 0, kind: "init", lastEqual: null, compared: 6 };
  const different = {
    status: "different" as const,
    line: "different: first at epoch 1 (parameters); causes: none found in the manifests or configs",
    causes: [],
  };
  const r = refineRunVerdict(different, training(step), "under returnn seeding, …");
  assert.equal(
    r.line,
    "different: first at epoch 1 (parameters), at global step 0 (the initial parameters); causes: under returnn seeding, …",
  );
  assert.deepEqual(r.causes, ["under returnn seeding, …"]);
  const none = {
    status: "not comparable" as const,
    line: "not comparable: no common complete checkpoint",
    causes: [],
  };
  assert.equal(
    refineRunVerdict(none, training(null), null).line,
    "not comparable: no common complete checkpoint; step fingerprints identical over 6 common steps",
  );
});
