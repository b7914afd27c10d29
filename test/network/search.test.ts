import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import { liveTensorCount, Tensor, tidy } from "../../src/tensor/tensor.js";

const reference = () =>
  JSON.parse(readFileSync("examples/transformer-base.json", "utf8")) as Record<string, unknown>;

const sources = {
  value: new Tensor([2, 5], Int32Array.of(3, 5, 7, 9, 2, 4, 6, 0, 0, 0)),
  lengths: Int32Array.of(5, 2),
};

function padded(seqs: Int32Array[]): { value: Tensor; lengths: Int32Array } {
  const T = Math.max(...seqs.map((s) => s.length));
  const value = new Int32Array(seqs.length * T);
  seqs.forEach((s, b) => {
    value.set(s, b * T);
  });
  return { value: new Tensor([seqs.length, T], value), lengths: Int32Array.from(seqs, (s) => s.length) };
}

test("step-by-step search and teacher forcing give the same numbers for the same prefix", () => {
  const config = reference();
  // Greedy search without length normalisation: its score is Σ log p of the labels it chose;
  // without label smoothing the cross-entropy of those labels is exactly −Σ log p.
  const unit = (config.network as Record<string, { unit: Record<string, Record<string, unknown>> }>).output
    .unit;
  unit.output.length_normalization = false;
  unit.output_prob.loss_opts = {};
  const net = buildNetwork(config, "ref.json");
  const greedy = net.search({ data: { data: sources } }, { beamSize: 1 });

  // Teacher forcing on those labels: the summed cross-entropy is minus that score.
  const ce = tidy(() => {
    const batch = { data: { data: sources, classes: padded(greedy.labels) } };
    const loss = net
      .forward(batch, { train: false, step: 0 })
      .losses.find((l) => l.name === "output/output_prob")!;
    return loss.value!;
  });
  const total = greedy.scores.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(ce + total) < 1e-4 * Math.abs(total), `teacher forcing ${ce} vs search ${-total}`);
});

test("beam search is deterministic and leaks no tensors", () => {
  const net = buildNetwork(reference(), "ref.json");
  const before = liveTensorCount();
  const a = net.search({ data: { data: sources } }, { beamSize: 4 });
  const b = net.search({ data: { data: sources } }, { beamSize: 4 });
  assert.deepEqual(a, b);
  assert.equal(liveTensorCount(), before);
  assert.equal(a.labels.length, 2);
});

test("a wider beam never finds a worse hypothesis than greedy (no length normalisation)", () => {
  const config = reference();
  const unit = (config.network as Record<string, { unit: Record<string, Record<string, unknown>> }>).output
    .unit;
  unit.output.length_normalization = false;
  const net = buildNetwork(config, "ref.json");
  const greedy = net.search({ data: { data: sources } }, { beamSize: 1 });
  const beam = net.search({ data: { data: sources } }, { beamSize: 4 });
  beam.scores.forEach((s, i) => {
    assert.ok(s >= greedy.scores[i] - 1e-9);
  });
});
