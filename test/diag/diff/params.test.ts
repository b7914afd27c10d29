import assert from "node:assert/strict";
import { test } from "node:test";
import { compareParam, compareParams } from "../../../src/diag/diff/params.js";
import { paramsVerdict } from "../../../src/diag/diff/verdict.js";

const p = (...values: number[]) => ({ shape: [values.length], data: Float32Array.from(values) });
const files = { fileA: "a", fileB: "b", checkpoint: null };

test("bit-identical parameters are identical", () => {
  assert.deepEqual(compareParam("w", p(1, 2, 3), p(1, 2, 3)), {
    name: "w",
    shapeA: [3],
    shapeB: [3],
    identical: true,
    maxAbs: 0,
    relL2: 0,
  });
});

test("a differing parameter reports max |Δ| and ‖a − b‖ / ‖a‖", () => {
  const d = compareParam("w", p(3, 4), p(3, 4.5));
  assert.equal(d.identical, false);
  assert.equal(d.maxAbs, 0.5);
  assert.equal(d.relL2, 0.5 / 5);
});

test("+0 and -0 differ, as in fingerprints, with a difference of 0", () => {
  const d = compareParam("w", p(0), p(-0));
  assert.equal(d.identical, false);
  assert.equal(d.maxAbs, 0);
});

test("a NaN on one side is a NaN difference, never hidden", () => {
  const d = compareParam("w", p(1, Number.NaN), p(1, 2));
  assert.equal(d.identical, false);
  assert.ok(Number.isNaN(d.maxAbs));
});

test("different shapes are reported without a numeric difference", () => {
  const d = compareParam(
    "w",
    { shape: [2, 3], data: new Float32Array(6) },
    { shape: [3, 2], data: new Float32Array(6) },
  );
  assert.deepEqual([d.identical, d.maxAbs, d.relL2], [false, null, null]);
});

test("parameters only in A or B are listed, shared ones compared, all sorted by name", () => {
  const a = new Map([
    ["z", p(1)],
    ["b", p(1)],
    ["only_a", p(0)],
  ]);
  const b = new Map([
    ["b", p(2)],
    ["z", p(1)],
    ["only_b", p(0)],
  ]);
  const s = compareParams(a, b, files);
  assert.deepEqual(s.onlyA, ["only_a"]);
  assert.deepEqual(s.onlyB, ["only_b"]);
  assert.equal(s.identical, 1);
  assert.deepEqual(
    s.differing.map((d) => d.name),
    ["b"],
  );
  assert.equal(
    paramsVerdict(s).line,
    "different: 1 of 2 shared parameters differ (largest: b max|Δ| 1.0e0); only in A: only_a; only in B: only_b",
  );
});

test("the same parameters give an identical verdict with the fingerprint", () => {
  const s = compareParams(new Map([["w", p(1, 2)]]), new Map([["w", p(1, 2)]]), files);
  assert.match(paramsVerdict(s).line, /^identical: same parameters \(sha256:[0-9a-f]{64}\)$/);
});
