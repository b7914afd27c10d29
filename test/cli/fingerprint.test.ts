import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { fingerprintLines, registerFingerprint } from "../../src/cli/fingerprint.js";
import { writeSafetensors } from "../../src/io/safetensors.js";
import {
  fingerprintParams,
  type NamedParam,
  paramsPath,
  saveCheckpoint,
  statePath,
} from "../../src/rundir/index.js";
import { ReproError } from "../../src/util/errors.js";

const tmp = () => mkdtempSync(join(tmpdir(), "repronet-fp-"));
const params = (x: number): [string, NamedParam][] => [
  ["dec/W", { shape: [2, 3], data: Float32Array.of(x, 2, 3, 4, 5, 6) }],
  ["enc/b", { shape: [2], data: Float32Array.of(0.5, -x) }],
];
const state = (epoch: number) => ({
  epoch,
  globalStep: epoch,
  dataPosition: { epoch: epoch + 1, batch: 0 },
  randomSeed: 1,
  optimizer: { class: "adam", slots: {}, steps: {} },
  learningRates: {},
  configHash: "",
});

/** A run directory with checkpoints of epochs 1 and 2. */
function runDir(): string {
  const out = tmp();
  saveCheckpoint(join(out, "checkpoints"), params(1), state(1));
  saveCheckpoint(join(out, "checkpoints"), params(2), state(2));
  return out;
}

async function cli(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const program = new Command("repronet").exitOverride();
  registerFingerprint(program, (l) => lines.push(l));
  await program.parseAsync(["node", "repronet", "fingerprint", ...args]);
  return lines;
}

test("the last (and only) line is sha256 over all parameters of the newest checkpoint", async () => {
  const out = runDir();
  const lines = await cli(out);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^sha256:[0-9a-f]{64}$/);
  assert.equal(lines[0], fingerprintParams(params(2)).digest);
});

test("a checkpoint file is fingerprinted directly", async () => {
  const out = runDir();
  assert.deepEqual(await cli(paramsPath(join(out, "checkpoints"), 1)), [fingerprintParams(params(1)).digest]);
});

test("the checkpoints folder itself works as well as the run directory", async () => {
  const out = runDir();
  assert.deepEqual(await cli(join(out, "checkpoints")), await cli(out));
});

test("--per-param prints <name> <shape> sha256:<hex> per parameter, sorted, before the total", async () => {
  const lines = await cli(runDir(), "--per-param");
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^dec\/W \[2,3\] sha256:[0-9a-f]{64}$/);
  assert.match(lines[1], /^enc\/b \[2\] sha256:[0-9a-f]{64}$/);
  assert.equal(lines[2], fingerprintParams(params(2)).digest);
});

test("--exclude leaves out matching parameters", async () => {
  const lines = await cli(runDir(), "--exclude", "^enc/");
  assert.deepEqual(lines, [fingerprintParams(params(2).slice(0, 1)).digest]);
});

test("a corrupt newest checkpoint is an error naming it, not a fallback to an older epoch", () => {
  const out = runDir();
  writeFileSync(statePath(join(out, "checkpoints"), 2), "garbage");
  assert.throws(() => fingerprintLines(out), /epoch\.002\.state\.safetensors: truncated/);
});

test("any safetensors file of float32 tensors can be fingerprinted", () => {
  const file = join(tmp(), "w.safetensors");
  writeSafetensors(file, { a: { dtype: "F32", shape: [1], data: Float32Array.of(1) } });
  assert.deepEqual(fingerprintLines(file), [
    fingerprintParams([["a", { shape: [1], data: Float32Array.of(1) }]]).digest,
  ]);
});

test("bad input is a one-line ReproError", () => {
  const isOneLine = (re: RegExp) => (e: unknown) =>
    e instanceof ReproError && re.test(e.message) && !e.message.includes("\n");
  assert.throws(() => fingerprintLines(join(tmp(), "missing")), isOneLine(/no such file or directory/));
  assert.throws(() => fingerprintLines(tmp()), isOneLine(/no checkpoint \(looked for/));
  assert.throws(
    () => fingerprintLines(runDir(), { exclude: "(" }),
    isOneLine(/--exclude: invalid regular expression/),
  );
  const junk = join(tmp(), "x.safetensors");
  writeFileSync(junk, "not a checkpoint");
  assert.throws(() => fingerprintLines(junk), isOneLine(/x\.safetensors/));
});
