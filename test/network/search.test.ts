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

/** The reference net without length normalisation or label smoothing: a hypothesis' score is Σ log p. */
function plainNet() {
  const config = reference();
  const unit = (config.network as Record<string, { unit: Record<string, Record<string, unknown>> }>).output
    .unit;
  unit.output.length_normalization = false;
  unit.output_prob.loss_opts = {};
  return buildNetwork(config, "ref.json");
}

/** Σ over sequences of −log p(labels) by teacher forcing (the summed cross-entropy). */
function teacherForcedCe(net: ReturnType<typeof buildNetwork>, labels: Int32Array[]): number {
  return tidy(() => {
    const batch = { data: { data: sources, classes: padded(labels) } };
    const loss = net
      .forward(batch, { train: false, step: 0 })
      .losses.find((l) => l.name === "output/output_prob")!;
    return loss.value!;
  });
}

// Greedy and beam search: the score of the hypothesis returned is Σ log p of the labels
// returned — teacher forcing on them gives exactly minus that (a wrong back-pointer, a
// score kept from another beam or a label shifted by one step breaks it).
for (const beamSize of [1, 4]) {
  test(`step-by-step search (beam ${beamSize}) and teacher forcing give the same numbers for the same labels`, () => {
    const net = plainNet();
    const found = net.search({ data: { data: sources } }, { beamSize });
    const ce = teacherForcedCe(net, found.labels);
    const total = found.scores.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(ce + total) < 1e-4 * Math.abs(total), `teacher forcing ${ce} vs search ${-total}`);
  });
}

test("beam search is deterministic and leaks no tensors", () => {
  const net = buildNetwork(reference(), "ref.json");
  const before = liveTensorCount();
  const a = net.search({ data: { data: sources } }, { beamSize: 4 });
  const b = net.search({ data: { data: sources } }, { beamSize: 4 });
  assert.deepEqual(a, b);
  assert.equal(liveTensorCount(), before);
  assert.equal(a.labels.length, 2);
});

test("search rejects a rec layer with cheating: true (decoding for the reference length) with one error line", () => {
  const config = reference();
  (config.network as Record<string, Record<string, unknown>>).output.cheating = true;
  const net = buildNetwork(config, "ref.json");
  assert.throws(
    () => net.search({ data: { data: sources } }, { beamSize: 2 }),
    (e: unknown) =>
      e instanceof Error && /rec option "cheating": true .* not supported in search/.test(e.message),
  );
});
