import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readLearningRates, writeLearningRates } from "../../src/rundir/index.js";
import { withFailingRename } from "../helpers/fs-faults.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-lr-"));
const history = (lr: number) => ({
  errorKey: "dev_score",
  epochs: { "1": { learningRate: lr, scores: { dev_score: Number.NaN } } },
});

test("the history round-trips, non-finite scores as strings", () => {
  const dir = tmp();
  writeLearningRates(dir, history(0.1));
  assert.deepEqual(readLearningRates(dir), {
    errorKey: "dev_score",
    epochs: { "1": { learningRate: 0.1, scores: { dev_score: "NaN" } } },
  });
});

test("a write killed before its rename leaves the previous history whole", () => {
  const dir = tmp();
  writeLearningRates(dir, history(0.1));
  const before = readFileSync(join(dir, "learning_rates.json"), "utf8");
  assert.throws(
    () => withFailingRename(() => writeLearningRates(dir, history(0.2))),
    /learning_rates\.json: .*\(EIO\)/,
  );
  assert.equal(readFileSync(join(dir, "learning_rates.json"), "utf8"), before);
  assert.deepEqual(readdirSync(dir), ["learning_rates.json"]);
});

test("missing is 'missing'; corrupt or not a history is an error naming the file", () => {
  const dir = tmp();
  assert.equal(readLearningRates(dir), "missing");
  writeFileSync(join(dir, "learning_rates.json"), '{"errorKey": "dev_sc');
  assert.throws(() => readLearningRates(dir), /learning_rates\.json: corrupt \(not JSON\)/);
  writeFileSync(join(dir, "learning_rates.json"), "[]");
  assert.throws(() => readLearningRates(dir), /learning_rates\.json: corrupt \(no "epochs"\)/);
});
