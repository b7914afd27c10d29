import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { liveTensorCount } from "../../src/tensor/tensor.js";
import { fingerprint, initMlp, trainStep } from "../helpers/mlp.js";

const childScript = "dist/test/helpers/mlp-main.js";

test("same seed gives bitwise identical parameters in two separate processes", () => {
  const a = execFileSync(process.execPath, [childScript, "30"], { encoding: "utf8" }).trim();
  const b = execFileSync(process.execPath, [childScript, "30"], { encoding: "utf8" }).trim();
  assert.match(a, /^sha256:[0-9a-f]{64}$/);
  assert.equal(a, b);
  // and the same as in this process
  const mlp = initMlp(7);
  for (let s = 0; s < 30; s++) trainStep(mlp, 7, s);
  assert.equal(fingerprint(mlp), a);
});

test("a different seed gives different parameters", () => {
  assert.notEqual(fingerprint(initMlp(7)), fingerprint(initMlp(8)));
});

test("200 MLP training steps keep the live tensor count flat and the loss finite", () => {
  const mlp = initMlp(3);
  const first = trainStep(mlp, 3, 0);
  const baseline = liveTensorCount();
  let last = first;
  for (let s = 1; s < 200; s++) {
    last = trainStep(mlp, 3, s);
    assert.equal(liveTensorCount(), baseline, `live tensors grew at step ${s}`);
  }
  assert.ok(Number.isFinite(last));
});
