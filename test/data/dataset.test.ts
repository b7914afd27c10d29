import assert from "node:assert/strict";
import { test } from "node:test";
import { datasetClasses, datasetFromConfig } from "../../src/data/index.js";
import { ReproError } from "../../src/util/errors.js";

const isOneLine = (pattern: RegExp) => (e: unknown) =>
  e instanceof ReproError && pattern.test(e.message) && !e.message.includes("\n");

test("synthetic is a registered dataset class", () => {
  assert.ok(datasetClasses().includes("synthetic"));
});

test("an unknown dataset class is an error with a did-you-mean hint and the known classes", () => {
  assert.throws(
    () => datasetFromConfig({ class: "syntetic" }, "c.json: train"),
    isOneLine(
      /^c\.json: train: unknown dataset class "syntetic" \(did you mean "synthetic"\?\) \(known: .*synthetic/,
    ),
  );
});

test("a dataset that is not a dict is an error", () => {
  assert.throws(
    () => datasetFromConfig("train.hdf", "c.json: train"),
    isOneLine(/c\.json: train: a dataset must be a dict/),
  );
});

test("a dataset without class is an error", () => {
  assert.throws(
    () => datasetFromConfig({ task: "copy" }, "c.json: dev"),
    isOneLine(/c\.json: dev: dataset option "class" is missing/),
  );
});

test("the ordering options are split off and not passed to the dataset class", () => {
  const { dataset, common } = datasetFromConfig(
    {
      class: "synthetic",
      task: "copy",
      num_seqs: 3,
      vocab_size: 5,
      max_len: 3,
      seq_ordering: "random",
      partition_epoch: 2,
    },
    "c",
  );
  assert.equal(dataset.numSeqs, 3);
  assert.deepEqual(common, { seq_ordering: "random", partition_epoch: 2 });
});
