import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Command } from "commander";
import { registerAverage } from "../../src/cli/average.js";
import { readSafetensors, writeSafetensors } from "../../src/io/safetensors.js";
import { ReproError } from "../../src/util/errors.js";

const run = mkdtempSync(join(tmpdir(), "repronet-average-"));
after(() => rmSync(run, { recursive: true, force: true }));
mkdirSync(join(run, "checkpoints"));
for (const epoch of [1, 2, 3]) {
  writeSafetensors(join(run, "checkpoints", `epoch.00${epoch}.safetensors`), {
    "layer/W": { dtype: "F32", shape: [2], data: Float32Array.of(epoch, 10 * epoch) },
    "layer/b": { dtype: "F32", shape: [], data: Float32Array.of(-epoch) },
  });
}

async function average(...args: string[]): Promise<Record<string, number[]>> {
  const program = new Command().exitOverride();
  registerAverage(program);
  const out = join(run, `avg-${args.join("_")}.safetensors`);
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    await program.parseAsync(["node", "repronet", "average", run, "--out", out, ...args]);
  } finally {
    process.stdout.write = write;
  }
  const { tensors } = readSafetensors(out);
  return Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, Array.from(t.data as Float32Array)]));
}

test("--last N averages the newest N epochs", async () => {
  assert.deepEqual(await average("--last", "2"), { "layer/W": [2.5, 25], "layer/b": [-2.5] });
});

test("--epochs averages exactly the listed epochs", async () => {
  assert.deepEqual(await average("--epochs", "1,3"), { "layer/W": [2, 20], "layer/b": [-2] });
});

test("asking for more epochs than exist, a missing epoch, or both options is a one-line error", async () => {
  const isRepro = (re: RegExp) => (e: unknown) => e instanceof ReproError && re.test(e.message);
  await assert.rejects(average("--last", "4"), isRepro(/only 3 epoch checkpoints/));
  await assert.rejects(average("--epochs", "2,7"), isRepro(/no checkpoint of epoch 7/));
  await assert.rejects(
    average("--epochs", "1", "--last", "1"),
    isRepro(/exactly one of --last and --epochs/),
  );
  await assert.rejects(average("--epochs", "x"), isRepro(/comma-separated list/));
});
