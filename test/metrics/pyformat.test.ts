import assert from "node:assert/strict";
import { test } from "node:test";
import { pyFixed } from "../../src/metrics/pyformat.js";

test("pyFixed rounds exact binary ties half to even like Python", () => {
  assert.equal(pyFixed(0.125, 2), "0.12");
  assert.equal(pyFixed(0.375, 2), "0.38");
  assert.equal(pyFixed(2.5, 0), "2");
  assert.equal(pyFixed(1.5, 0), "2");
  assert.equal(pyFixed(0.5, 0), "0");
});

test("pyFixed rounds non-ties by their exact binary value", () => {
  assert.equal(pyFixed(1.005, 2), "1.00");
  assert.equal(pyFixed(43.915, 2), "43.91");
  assert.equal(pyFixed(100.00000000000004, 2), "100.00");
});

test("pyFixed keeps the sign of negative zero", () => {
  assert.equal(pyFixed(-0, 2), "-0.00");
  assert.equal(pyFixed(-0.001, 1), "-0.0");
});
