import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import h5wasm from "h5wasm/node";
import { datasetFromConfig, prepareHdf } from "../../src/data/index.js";
import { ReproError } from "../../src/util/errors.js";
import { repronet } from "../helpers/cli.js";

let dir: string;
before(async () => {
  await h5wasm.ready;
  await prepareHdf({ train: { class: "HDFDataset" } });
  dir = mkdtempSync(join(tmpdir(), "repronet-hdf-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Seq {
  data: number[][];
  classes: number[];
  orth?: number[];
}

/** Writes what RETURNN's SimpleHDFWriter writes (returnn/datasets/hdf.py). */
function writeReturnnHdf(name: string, seqs: Seq[], dim: number, nClasses: number): string {
  const path = join(dir, name);
  const f = new h5wasm.File(path, "w");
  const total = seqs.reduce((s, q) => s + q.data.length, 0);
  f.create_attribute("numTimesteps", total, null, "<i");
  f.create_attribute("inputPattSize", dim, null, "<i");
  f.create_attribute("numDims", 1, null, "<i");
  f.create_attribute("numLabels", dim, null, "<i");
  f.create_attribute("numSeqs", seqs.length, null, "<i");
  f.create_dataset({
    name: "inputs",
    data: Float32Array.from(seqs.flatMap((q) => q.data.flat())),
    shape: [total, dim],
    dtype: "<f",
  });
  const keys = seqs[0].orth ? ["classes", "orth"] : ["classes"];
  const lengths = seqs.flatMap((q) => [q.data.length, q.classes.length, ...(q.orth ? [q.orth.length] : [])]);
  f.create_dataset({
    name: "seqLengths",
    data: Int32Array.from(lengths),
    shape: [seqs.length, 1 + keys.length],
    dtype: "<i",
  });
  f.create_dataset({ name: "seqTags", data: seqs.map((_, i) => `seq-${i}`) });
  f.create_group("targets");
  f.create_group("targets/data");
  f.create_group("targets/size");
  f.create_group("targets/labels");
  const size = f.get("targets/size") as InstanceType<typeof h5wasm.Group>;
  for (const key of keys) {
    const values = seqs.flatMap((q) => (key === "classes" ? q.classes : (q.orth ?? [])));
    (f.get("targets/data") as InstanceType<typeof h5wasm.Group>).create_dataset({
      name: key,
      data: Int32Array.from(values),
      shape: [values.length],
      dtype: "<i",
    });
    size.create_attribute(key, Int32Array.of(key === "classes" ? nClasses : 256, 1), [2], "<i");
    (f.get("targets/labels") as InstanceType<typeof h5wasm.Group>).create_dataset({
      name: key,
      data: ["dummy-label"],
    });
  }
  f.close();
  return path;
}

const seqs: Seq[] = [
  {
    data: [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    classes: [1, 0, 2],
    orth: [104, 105],
  },
  { data: [[7, 8]], classes: [3], orth: [33] },
];

test("an HDF file in RETURNN's layout reads as data (dense), and the sorted target keys (sparse)", () => {
  const file = writeReturnnHdf("a.hdf", seqs, 2, 4);
  const { dataset } = datasetFromConfig({ class: "HDFDataset", files: [file] }, "c: train");
  assert.deepEqual(dataset.keys, [
    { name: "data", sparse: false, dim: 2 },
    { name: "classes", sparse: true, dim: 4 },
    { name: "orth", sparse: true, dim: 256 },
  ]);
  assert.equal(dataset.numSeqs, 2);
  assert.deepEqual(dataset.lengths(0), { data: 3, classes: 3, orth: 2 });
  const s1 = dataset.get(1);
  assert.deepEqual([...s1.data], [7, 8]);
  assert.deepEqual([...s1.classes], [3]);
  assert.deepEqual([...s1.orth], [33]);
  assert.ok(s1.classes instanceof Int32Array && s1.data instanceof Float32Array);
});

test("several files are concatenated in the order given", () => {
  const a = writeReturnnHdf("b1.hdf", seqs, 2, 4);
  const b = writeReturnnHdf("b2.hdf", [{ data: [[9, 9]], classes: [2], orth: [1] }], 2, 4);
  const { dataset } = datasetFromConfig({ class: "HDFDataset", files: [a, b] }, "c: train");
  assert.equal(dataset.numSeqs, 3);
  assert.deepEqual([...dataset.get(2).data], [9, 9]);
  assert.deepEqual([...dataset.get(0).classes], [1, 0, 2]);
});

test("a file that is not a RETURNN HDF file is one error naming it", () => {
  const path = join(dir, "bad.hdf");
  writeFileSync(path, "not hdf");
  assert.throws(
    () => datasetFromConfig({ class: "HDFDataset", files: [path] }, "c: train"),
    (e: unknown) =>
      e instanceof ReproError && e.message === `c: train (HDFDataset): ${path} is not an HDF5 file`,
  );
  assert.throws(
    () => datasetFromConfig({ class: "HDFDataset", file: "x.hdf" }, "c: train"),
    (e: unknown) =>
      e instanceof ReproError && /unknown option "file" \(did you mean "files"\?\)/.test(e.message),
  );
});

test("repronet train reads an HDFDataset (the library is loaded for it)", () => {
  const file = writeReturnnHdf("train.hdf", seqs, 2, 4);
  const config = {
    extern_data: { data: { dim: 2 }, classes: { dim: 4, sparse: true } },
    train: { class: "HDFDataset", files: [file] },
    network: { output: { class: "softmax", from: "data", loss: "ce", target: "classes" } },
    num_epochs: 1,
    batch_size: 10,
  };
  const path = join(dir, "c.json");
  writeFileSync(path, JSON.stringify(config));
  const r = repronet(["train", path, "--out", join(dir, "run"), "--kernels", "js"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /epoch 1 score: /);
});
