import assert from "node:assert/strict";
import { test } from "node:test";
import { diffEnvironments } from "../../../src/diag/diff/environment.js";
import { envCauses } from "../../../src/diag/diff/verdict.js";

type Json = Record<string, unknown>;

/** A manifest as the trainer writes it (the fields diff reads). */
function manifest(over: (m: Json) => void = () => {}): Json {
  const m: Json = {
    format: "repronet/manifest/1",
    framework: {
      name: "repronet",
      version: "0.1.0",
      commit: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
      dirty: false,
    },
    node: "v20.20.2",
    platform: "linux-x64",
    dependencies: { commander: "14.0.3", zod: "4.6.7" },
    kernels: "js",
    threads: 1,
    command: ["train", "a.json"],
    config: { path: "a.json", sha256: "sha256:aa", resolved: {} },
    seeds: { random_seed: 7, params: 7, train: { order_seed: 7, dataset: 1 } },
    learning_rate_control: {
      error_measure: "dev_score_output/output_prob",
      reason: "main output loss output/output_prob",
    },
    resumed_from_epoch: null,
    started_at: "2026-01-01T00:00:00.000Z",
    history: [],
  };
  over(m);
  return m;
}

test("identical environments list no changes and summarise what is the same", () => {
  const e = diffEnvironments(
    manifest(),
    manifest((m) => (m.started_at = "later")),
  );
  assert.deepEqual(e.changes, []);
  assert.ok(e.same.includes("framework 0.1.0"));
  assert.ok(e.same.includes("commit 1a2b3c4 (clean)"));
  assert.ok(e.same.includes("2 dependencies"));
  assert.ok(e.same.includes("seeds (random_seed 7)"));
});

test("a framework commit change is a cause, with the dirty flag", () => {
  const b = manifest((m) => {
    m.framework = {
      name: "repronet",
      version: "0.1.0",
      commit: "4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
      dirty: true,
    };
  });
  const e = diffEnvironments(manifest(), b);
  assert.deepEqual(
    e.changes.map((c) => c.field),
    ["framework.commit", "framework.dirty"],
  );
  assert.deepEqual(envCauses(e), ["framework commit 1a2b3c4 → 4d5e6f7 (dirty)"]);
});

test("seeds and dependencies are compared leaf by leaf and grouped in the causes", () => {
  const b = manifest((m) => {
    m.seeds = { random_seed: 8, params: 8, train: { order_seed: 8, dataset: 1 } };
    m.dependencies = { commander: "14.0.3", zod: "4.7.0" };
  });
  const e = diffEnvironments(manifest(), b);
  assert.deepEqual(
    e.changes.map((c) => c.field),
    ["dependencies.zod", "seeds.params", "seeds.random_seed", "seeds.train.order_seed"],
  );
  assert.deepEqual(envCauses(e), [
    "dependencies (zod 4.6.7 → 4.7.0)",
    "seeds (params 7 → 8, random_seed 7 → 8, train.order_seed 7 → 8)",
  ]);
});

test("threads cannot affect training", () => {
  const e = diffEnvironments(
    manifest(),
    manifest((m) => (m.threads = 8)),
  );
  assert.equal(e.changes[0].effect, "none");
  assert.deepEqual(envCauses(e), []);
});

test("fields the trainer adds later are compared, times are not", () => {
  const e = diffEnvironments(
    manifest((m) => {
      m.blas = "openblas-0.3";
      m.finished_at = "x";
    }),
    manifest((m) => {
      m.blas = "mkl";
      m.finished_at = "y";
    }),
  );
  assert.deepEqual(
    e.changes.map((c) => [c.field, c.a, c.b]),
    [["blas", "openblas-0.3", "mkl"]],
  );
});

test("an error-measure key that only follows the number of losses names the same score", () => {
  const b = manifest((m) => {
    m.learning_rate_control = { error_measure: "dev_score", reason: "main output loss output/output_prob" };
  });
  const e = diffEnvironments(manifest(), b);
  assert.equal(e.changes[0].field, "learning_rate_control.error_measure");
  assert.equal(e.changes[0].effect, "none");
});

test("a run resumed under another framework commit says so", () => {
  const rec = (commit: string) => ({
    config_sha256: "sha256:aa",
    framework: { version: "0.1.0", commit, dirty: false },
  });
  const b = manifest((m) => {
    m.history = [rec("1a2b3c4d5e6f7081"), rec("99aa88bb77cc66dd")];
  });
  const e = diffEnvironments(manifest(), b);
  assert.deepEqual(e.history, [
    "B was trained in 2 invocations with different framework versions (1a2b3c4 → 99aa88b)",
  ]);
  assert.ok(envCauses(e).includes(e.history[0]));
});
