import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { planSweep } from "../../src/sweep/plan.js";
import { parseSpec } from "../../src/sweep/spec.js";
import { ReproError } from "../../src/util/errors.js";

const base = resolve("examples/transformer-base.json");
const spec = (variants: Record<string, unknown>, seeds = [1, 2]) =>
  parseSpec({ base, variants, seeds, num_epochs: 2 }, "spec.json");

test("each variant × seed gets DIR/<variant>/seed-<n> and a train command with its overrides and seed", async () => {
  const runs = await planSweep(spec({ a: {}, b: { set: { learning_rate: 0.002 } } }), "/sweeps/x");
  assert.deepEqual(
    runs.map((r) => r.id),
    ["a/seed-1", "a/seed-2", "b/seed-1", "b/seed-2"],
  );
  assert.equal(runs[3].dir, join("/sweeps/x", "b", "seed-2"));
  assert.deepEqual(runs[3].trainArgs, [
    "train",
    base,
    "--out",
    runs[3].dir,
    "--set",
    "num_epochs=2",
    "--set",
    "learning_rate=0.002",
    "--set",
    "random_seed=2",
  ]);
});

test("the config hash tells seeds and changing variants apart and is equal for equal configs", async () => {
  const runs = await planSweep(
    spec({ a: {}, same: {}, lr: { set: { learning_rate: 0.002 } } }, [1, 2]),
    "/s",
  );
  const h = Object.fromEntries(runs.map((r) => [r.id, r.configSha256]));
  assert.equal(h["a/seed-1"], h["same/seed-1"]);
  assert.notEqual(h["a/seed-1"], h["a/seed-2"]);
  assert.notEqual(h["a/seed-1"], h["lr/seed-1"]);
});

test("a variant whose config does not load is an error naming the variant and the file", async () => {
  await assert.rejects(
    planSweep(spec({ a: {}, broken: { config: "missing.json" } }), "/s"),
    (e: unknown) =>
      e instanceof ReproError && /^variant "broken": .*missing\.json: no such file$/.test(e.message),
  );
});

test("a variant override with an unknown config key is an error naming the variant", async () => {
  await assert.rejects(
    planSweep(spec({ typo: { set: { learning_rat: 0.1 } } }), "/s"),
    (e: unknown) =>
      e instanceof ReproError && /^variant "typo": .*unknown config key "learning_rat"/.test(e.message),
  );
});
