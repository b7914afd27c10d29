import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decodeSafetensors, encodeSafetensors, readSafetensors } from "../../src/io/safetensors.js";
import { CHECKSUM_KEY, encodeWithChecksum } from "../../src/rundir/checksum.js";
import {
  type CheckpointId,
  checkpointEpochs,
  checkpointName,
  deleteSuperseded,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  type NamedParam,
  paramsPath,
  readParams,
  removeTempFiles,
  resolveParamsFile,
  type SkippedCheckpoint,
  saveBroken,
  saveCheckpoint,
  statePath,
  type TrainState,
} from "../../src/rundir/index.js";
import { ReproError } from "../../src/util/errors.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-ck-"));
const params = (x: number): [string, NamedParam][] => [
  ["out/W", { shape: [2, 2], data: Float32Array.of(x, 2, 3, 4) }],
  ["emb", { shape: [3], data: Float32Array.of(-1, 0.5, x) }],
];
const state = (epoch: number): TrainState => ({
  epoch,
  globalStep: 10 * epoch,
  dataPosition: { epoch: epoch + 1, batch: 0 },
  randomSeed: 42,
  optimizer: { class: "adam", slots: { "m/emb": Float32Array.of(0.1, 0.2, 0.3) }, steps: { emb: 3 } },
  learningRates: { errorKey: "dev_score", epochs: { "1": { learningRate: 0.1, scores: { dev_score: 2 } } } },
  configHash: "sha256:abc",
});

test("a checkpoint round-trips parameters and training state", () => {
  const dir = tmp();
  const path = saveCheckpoint(dir, params(1), state(1));
  assert.equal(path, join(dir, "epoch.001.safetensors"));
  const ck = loadCheckpoint(dir, 1);
  assert.deepEqual([...ck.params.keys()].sort(), ["emb", "out/W"]);
  assert.deepEqual(ck.params.get("out/W"), { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
  assert.deepEqual(ck.state, state(1));
  rmSync(dir, { recursive: true });
});

test("the parameter file holds the parameters only, readable by any safetensors reader", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  const { tensors, metadata } = readSafetensors(paramsPath(dir, 1));
  assert.deepEqual(Object.keys(tensors).sort(), ["emb", "out/W"]);
  assert.equal(metadata.format, "repronet/params/1");
  assert.deepEqual([...readParams(paramsPath(dir, 1)).keys()], ["emb", "out/W"]);
  rmSync(dir, { recursive: true });
});

test("identical input gives byte-identical checkpoint files", () => {
  const [a, b] = [tmp(), tmp()];
  saveCheckpoint(a, params(1), state(1));
  saveCheckpoint(b, params(1), state(1));
  assert.deepEqual(readFileSync(paramsPath(a, 1)), readFileSync(paramsPath(b, 1)));
  assert.deepEqual(readFileSync(statePath(a, 1)), readFileSync(statePath(b, 1)));
});

test("no temporary files are left behind", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  assert.deepEqual(readdirSync(dir).sort(), ["epoch.001.safetensors", "epoch.001.state.safetensors"]);
});

test("the newest complete checkpoint wins; one whose state file is missing does not count", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  saveCheckpoint(dir, params(2), state(2));
  assert.equal(latestCheckpoint(dir)?.epoch, 2);
  rmSync(statePath(dir, 2));
  const skipped: SkippedCheckpoint[] = [];
  assert.equal(latestCheckpoint(dir, skipped)?.epoch, 1);
  assert.deepEqual(
    skipped.map((k) => k.path),
    [paramsPath(dir, 2)],
  );
  assert.match(skipped[0].reason, /epoch\.002\.state\.safetensors: no such file/);
});

test("a run dir whose newest checkpoint does not load is an error naming it, never an older epoch", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  saveCheckpoint(dir, params(2), state(2));
  assert.equal(resolveParamsFile(dir), paramsPath(dir, 2));
  rmSync(statePath(dir, 2));
  assert.throws(() => resolveParamsFile(dir), /epoch\.002\.state\.safetensors: no such file/);
});

test("a crash between the state and the parameter file leaves the previous checkpoint as the newest", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  const other = tmp();
  saveCheckpoint(other, params(2), state(2));
  // Epoch 2's state landed, its parameter file did not.
  writeFileSync(statePath(dir, 2), readFileSync(statePath(other, 2)));
  assert.equal(latestCheckpoint(dir)?.epoch, 1);
});

test("a truncated parameter file or a state file from another checkpoint is not complete", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  saveCheckpoint(dir, params(2), state(2));
  const bytes = readFileSync(paramsPath(dir, 2));
  writeFileSync(paramsPath(dir, 2), bytes.subarray(0, bytes.length - 3));
  assert.equal(latestCheckpoint(dir)?.epoch, 1);
  saveCheckpoint(dir, params(2), state(2));
  writeFileSync(statePath(dir, 2), readFileSync(statePath(dir, 1)));
  assert.throws(() => loadCheckpoint(dir, 2), /does not belong to .*epoch\.002\.safetensors/);
  assert.equal(latestCheckpoint(dir)?.epoch, 1);
});

test("checkpoint epochs are listed newest first; other files are ignored", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  saveCheckpoint(dir, params(12), state(12));
  writeFileSync(join(dir, ".epoch.003.safetensors.tmp-1"), "x");
  writeFileSync(join(dir, "notes.txt"), "x");
  assert.deepEqual(checkpointEpochs(dir), [12, 1]);
  assert.deepEqual(checkpointEpochs(join(dir, "missing")), []);
});

test("reading a state file as parameters is an error that says which file to use", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  assert.throws(
    () => readParams(statePath(dir, 1)),
    (e: unknown) => e instanceof ReproError && /this is training state, not parameters/.test(e.message),
  );
});

test("a directory without a complete checkpoint is a one-line error", () => {
  const dir = tmp();
  assert.throws(
    () => resolveParamsFile(dir),
    (e: unknown) => e instanceof ReproError && /no checkpoint \(looked for/.test(e.message),
  );
  assert.throws(() => resolveParamsFile(join(dir, "nope")), /no such file or directory/);
});

const id = (epoch: number, step: number | null = null, pretrain = false): CheckpointId => ({
  epoch,
  pretrain,
  step,
});

test("checkpoint names: epoch.NNN, epoch.pretrain.NNN, and epoch.NNN.step.S inside an epoch", () => {
  assert.equal(checkpointName(3), "epoch.003");
  assert.equal(checkpointName(id(2, null, true)), "epoch.pretrain.002");
  assert.equal(checkpointName(id(4, 17)), "epoch.004.step.17");
  assert.equal(paramsPath("d", id(4, 17)), join("d", "epoch.004.step.17.safetensors"));
});

test("checkpoints are ordered by where training continues after them", () => {
  const dir = tmp();
  for (const c of [id(1, null, true), id(2, 5), id(2), id(3, 1), id(2, 12)])
    saveCheckpoint(dir, params(c.epoch), state(c.epoch), c);
  assert.deepEqual(listCheckpoints(dir).map(checkpointName), [
    "epoch.003.step.1",
    "epoch.002",
    "epoch.002.step.12",
    "epoch.002.step.5",
    "epoch.pretrain.001",
  ]);
  assert.deepEqual(checkpointEpochs(dir), [2, 1]);
  assert.deepEqual(latestCheckpoint(dir)?.id, id(3, 1));
  deleteSuperseded(dir, id(2));
  assert.deepEqual(listCheckpoints(dir).map(checkpointName), [
    "epoch.003.step.1",
    "epoch.002",
    "epoch.pretrain.001",
  ]);
});

test("parameters that are not the ones the state describes make a checkpoint incomplete", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  saveCheckpoint(dir, params(2), state(2));
  // Same metadata (so the state hash still matches) and a valid checksum, one value changed.
  const { tensors, metadata } = decodeSafetensors(readFileSync(paramsPath(dir, 2)), "x");
  (tensors["out/W"].data as Float32Array)[0] = 99;
  writeFileSync(paramsPath(dir, 2), encodeWithChecksum(tensors, metadata));
  assert.throws(() => loadCheckpoint(dir, 2), /the parameters are not the ones its state file describes/);
  assert.equal(latestCheckpoint(dir)?.epoch, 1);
});

test("accumulated gradients and an unfinished epoch's scores round-trip", () => {
  const dir = tmp();
  const st: TrainState = {
    ...state(1),
    dataPosition: { epoch: 2, batch: 3 },
    accumulated: { count: 2, sums: { emb: Float32Array.of(1, 2, 3) } },
    epochProgress: { sums: { steps: 3, sums: { out: { value: Number.NaN } } }, elapsed: 1.5 },
  };
  saveCheckpoint(dir, params(1), st, id(2, 3));
  const back = loadCheckpoint(dir, id(2, 3)).state;
  assert.deepEqual(back.accumulated, st.accumulated);
  assert.deepEqual(back.epochProgress, { sums: { steps: 3, sums: { out: { value: "NaN" } } }, elapsed: 1.5 });
});

test("stale temporary files of a killed writer are removed", () => {
  const run = tmp();
  const dir = join(run, "checkpoints");
  saveCheckpoint(dir, params(1), state(1));
  writeFileSync(join(dir, ".epoch.002.safetensors.tmp-123"), "x");
  writeFileSync(join(run, ".manifest.json.tmp-9"), "x");
  writeFileSync(join(dir, "notes.txt"), "x");
  assert.deepEqual(removeTempFiles(run).sort(), [
    join(run, ".manifest.json.tmp-9"),
    join(dir, ".epoch.002.safetensors.tmp-123"),
  ]);
  assert.deepEqual(readdirSync(run).sort(), ["checkpoints"]);
  assert.deepEqual(readdirSync(dir).sort(), [
    "epoch.001.safetensors",
    "epoch.001.state.safetensors",
    "notes.txt",
  ]);
});

test("every checkpoint file carries the SHA-256 of its tensor bytes", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  for (const f of [paramsPath(dir, 1), statePath(dir, 1)])
    assert.match(readSafetensors(f).metadata[CHECKSUM_KEY], /^[0-9a-f]{64}$/);
});

test("a bit flip in a parameter file is an error naming it, for every reader", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  const bytes = readFileSync(paramsPath(dir, 1));
  bytes[bytes.length - 2] ^= 0x10;
  writeFileSync(paramsPath(dir, 1), bytes);
  const corrupt = /epoch\.001\.safetensors: corrupt \(the tensor data does not match its checksum\)/;
  assert.throws(() => readParams(paramsPath(dir, 1)), corrupt);
  assert.throws(() => loadCheckpoint(dir, 1), corrupt);
  assert.throws(() => resolveParamsFile(dir), corrupt);
});

test("a bit flip in a state file is an error naming the state file", () => {
  const dir = tmp();
  saveCheckpoint(dir, params(1), state(1));
  const bytes = readFileSync(statePath(dir, 1));
  bytes[bytes.length - 1] ^= 0x01;
  writeFileSync(statePath(dir, 1), bytes);
  assert.throws(() => loadCheckpoint(dir, 1), /epoch\.001\.state\.safetensors: corrupt/);
});

test("a parameter file from before checksums loads, with a note that it is unverified", () => {
  const dir = tmp();
  const { tensors } = decodeSafetensors(
    encodeWithChecksum({ w: { dtype: "F32", shape: [1], data: Float32Array.of(1) } }, {}),
  );
  writeFileSync(join(dir, "old.safetensors"), encodeSafetensors(tensors, { format: "repronet/params/1" }));
  const notes: string[] = [];
  assert.deepEqual(
    [...readParams(join(dir, "old.safetensors"), { note: (l) => notes.push(l) }).keys()],
    ["w"],
  );
  assert.deepEqual(notes, [
    `note: ${join(dir, "old.safetensors")} has no checksum (written by an older repronet); loaded unverified`,
  ]);
});

test("a .broken checkpoint loads only when allowed", () => {
  const run = tmp();
  const path = saveBroken(run, 3, params(1), { error: "loss is NaN" });
  assert.throws(() => readParams(path), /a broken checkpoint .*pass --allow-broken/);
  assert.deepEqual([...readParams(path, { allowBroken: true }).keys()], ["emb", "out/W"]);
});
