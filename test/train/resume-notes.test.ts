import assert from "node:assert/strict";
import { test } from "node:test";
import { buildManifest, type Manifest } from "../../src/diag/manifest.js";
import { resumeNote } from "../../src/train/resume-notes.js";

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

test("no previous manifest, or nothing that matters changed: no note", () => {
  const m = manifest({ learning_rate: 0.1, num_epochs: 2 });
  assert.equal(resumeNote(null, m), null);
  assert.equal(resumeNote(m, manifest({ learning_rate: 0.1, num_epochs: 2 })), null);
  // threads, logging and more epochs never change the steps trained so far
  const later = manifest({ learning_rate: 0.1, num_epochs: 9, log_verbosity: 5 }, "native", 1);
  assert.equal(resumeNote(m, later), null);
});

test("a config change that can affect training is named", () => {
  const note = resumeNote(manifest({ learning_rate: 0.1 }), manifest({ learning_rate: 0.2 }));
  assert.equal(
    note,
    "note: resuming with changes since the last invocation that can affect training: config (learning_rate 0.1 → 0.2) (steps from here on may differ from a run that never stopped)",
  );
});

test("a kernel change is named", () => {
  const note = resumeNote(manifest({}, "js"), manifest({}, "native"));
  assert.match(note ?? "", /can affect training: kernels js → native/);
});
