import assert from "node:assert/strict";
import { test } from "node:test";
import { datasetFromConfig } from "../../src/data/index.js";
import { ReproError } from "../../src/util/errors.js";

const extern = { data: { dim: 3 }, classes: { dim: 5, sparse: true }, bpe: [7, 1] };
const make = (over: Record<string, unknown> = {}, externData: unknown = extern) =>
  datasetFromConfig(
    { class: "synthetic", task: "random", num_seqs: 6, seq_len: { data: [2, 9], bpe: 4 }, ...over },
    "c: train",
    { externData },
  ).dataset;

test("every extern_data key is filled from its declared shape", () => {
  const ds = make();
  assert.deepEqual(
    ds.keys.map((k) => [k.name, k.sparse, k.dim]),
    [
      ["bpe", true, 7],
      ["classes", true, 5],
      ["data", false, 3],
    ],
  );
  const s = ds.get(2);
  const lens = ds.lengths(2);
  assert.equal(s.data.length, lens.data * 3);
  assert.ok(s.data instanceof Float32Array);
  assert.equal(lens.bpe, 4);
  assert.ok([...s.classes].every((x) => Number.isInteger(x) && x >= 0 && x < 5));
});

test("keys with the same length range share the length (framewise targets line up)", () => {
  const ds = make();
  for (let i = 0; i < ds.numSeqs; i++) assert.equal(ds.lengths(i).classes, ds.lengths(i).data);
});

test("a sequence is a pure function of seed and index", () => {
  const a = make();
  const b = make({ num_seqs: 20 });
  b.get(5);
  assert.deepEqual(a.get(3), b.get(3));
  assert.notDeepEqual(make({ seed: 1 }).get(3), a.get(3));
});

test("dense values are standard normal floats", () => {
  const ds = make({ num_seqs: 50, seq_len: 40 });
  const all: number[] = [];
  for (let i = 0; i < 50; i++) all.push(...ds.get(i).data);
  const mean = all.reduce((s, x) => s + x, 0) / all.length;
  const std = Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length);
  assert.ok(Math.abs(mean) < 0.05 && Math.abs(std - 1) < 0.05, `mean ${mean}, std ${std}`);
});

test("errors name the option: no extern_data, seq_len for an unknown key, a bad range", () => {
  const fails = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof ReproError && re.test(e.message));
  fails(() => make({}, null), /task "random" fills the config's extern_data, which is missing/);
  fails(() => make({ seq_len: { dta: 3 } }), /option "seq_len" names "dta", which is not in extern_data/);
  fails(() => make({ seq_len: [5, 2] }), /option "seq_len" must be a length >= 1 or \[min, max\]/);
});
