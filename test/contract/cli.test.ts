/** The command-line contract on the reference config, in separate processes. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { repronet as run, stderrLines } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "repronet-cli-"));
after(() => rmSync(work, { recursive: true, force: true }));

const small = [
  "--set",
  'train={"class":"synthetic","task":"reverse","num_seqs":64,"vocab_size":24,"min_len":3,"max_len":10,"seed":1}',
];

const repronet = (...args: string[]) => run(args);

function trainAndFingerprint(out: string, ...extra: string[]): string {
  const t = repronet("train", "examples/transformer-base.json", "--out", join(work, out), ...small, ...extra);
  assert.equal(t.code, 0, t.stderr);
  const f = repronet("fingerprint", join(work, out));
  assert.equal(f.code, 0, f.stderr);
  const last = f.stdout.trim().split("\n").at(-1)!;
  assert.match(last, /^sha256:[0-9a-f]{64}$/);
  return last;
}

test("two processes, --threads 1 and --threads 2: identical fingerprints", () => {
  const a = trainAndFingerprint("a", "--threads", "1");
  const b = trainAndFingerprint("b", "--threads", "2");
  const c = trainAndFingerprint("c");
  assert.equal(a, b);
  assert.equal(a, c);
});

test("train prints RETURNN step lines", () => {
  const t = repronet("train", "examples/transformer-base.json", "--out", join(work, "log"), ...small);
  assert.match(
    t.stdout,
    /train epoch 1, step 0, cost:output\/output_prob [\d.]+, error:decision [\d.]+, error:output\/output_prob [\d.]+, loss [\d.]+, [\d.]+ sec\/step, elapsed \d+:\d\d:\d\d, exp\. remaining \d+:\d\d:\d\d, complete [\d.]+%/,
  );
});

/** A config file for a tiny copy task with the given network. */
function tinyConfig(name: string, network: Record<string, unknown>): string {
  const config = join(work, name);
  writeFileSync(
    config,
    JSON.stringify({
      extern_data: { data: { dim: 5, sparse: true }, classes: { dim: 5, sparse: true } },
      train: {
        class: "synthetic",
        task: "copy",
        num_seqs: 4,
        vocab_size: 5,
        min_len: 2,
        max_len: 3,
        seed: 1,
      },
      network,
    }),
  );
  return config;
}

function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0);
  const lines = stderrLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

test("an unknown layer option is a one-line error naming file, layer and option", () => {
  const config = tinyConfig("bad-option.json", {
    output: { class: "softmax", from: "data", target: "classes", loss: "ce", n_outt: 5 },
  });
  const r = repronet("train", config, "--out", join(work, "bad-option"));
  oneLineError(
    r,
    /bad-option\.json: layer "output": unknown option "n_outt" for class "softmax" \(did you mean "n_out"\?\)/,
  );
});

test("a non-finite loss stops training with a one-line error and leaves no checkpoint", () => {
  const config = tinyConfig("nan.json", {
    emb: { class: "linear", from: "data", n_out: 3 },
    broken: { class: "eval", from: "emb", eval: "source(0) * log(-1.0 - abs(source(0)))" },
    output: { class: "softmax", from: "broken", target: "data", loss: "ce" },
  });
  const out = join(work, "nan");
  const r = repronet("train", config, "--out", out);
  oneLineError(r, /epoch 1, step 0: objective is NaN/);
  const ckpt = join(out, "checkpoints");
  assert.deepEqual(existsSync(ckpt) ? readdirSync(ckpt).filter((f) => !f.startsWith(".")) : [], []);
});
