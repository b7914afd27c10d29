import assert from "node:assert/strict";
import { test } from "node:test";
import { resumeChanges } from "../../src/diag/resume-notes.js";
import { buildManifest, type Manifest } from "../../src/rundir/index.js";

const network = { output: { class: "softmax", from: "data", loss: "ce", target: "classes" } };

function manifest(config: Record<string, unknown>, kernels = "native", threads = 2): Manifest {
  return buildManifest({
    config: { network, ...config },
    configPath: "c.json",
    kernels,
    threads,
    seeds: { random_seed: 42 },
    errorMeasure: { key: "dev_score", reason: "main output loss output" },
    root: null,
  });
}

const none = { config: [], environment: [] };

test("nothing that matters changed: no changes", () => {
  const m = manifest({ learning_rate: 0.1, num_epochs: 2 });
  assert.deepEqual(resumeChanges(m, manifest({ learning_rate: 0.1, num_epochs: 2 })), none);
  // threads, logging and more epochs never change the steps trained so far
  const later = manifest({ learning_rate: 0.1, num_epochs: 9, log_verbosity: 5 }, "native", 1);
  assert.deepEqual(resumeChanges(m, later), none);
});

test("a config change that can affect training is named", () => {
  const changes = resumeChanges(manifest({ learning_rate: 0.1 }), manifest({ learning_rate: 0.2 }));
  assert.deepEqual(changes, { config: ["learning_rate 0.1 → 0.2"], environment: [] });
});

test("a kernel change is an environment change", () => {
  const changes = resumeChanges(manifest({}, "js"), manifest({}, "native"));
  assert.deepEqual(changes.config, []);
  assert.match(changes.environment.join(", "), /kernels js → native/);
});
