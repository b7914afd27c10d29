/**
 * An LSTM attention decoder (BLSTM encoder, `rec` LSTM inside the decoder unit)
 * in the runner: teacher forcing runs the unit's LSTM over the loop axis,
 * search runs it step by step with its [c, h] state carried and reordered with
 * the beam — both must give the same numbers for the same labels.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { kernels, setKernels } from "../../src/kernels/active.js";
import { buildNetwork } from "../../src/network/network.js";
import { setLstmPairing } from "../../src/network/run.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { liveTensorCount, Tensor, tidy } from "../../src/tensor/tensor.js";

type Unit = Record<string, Record<string, unknown>>;
/** The fixture; `recurrent`: the decoder LSTM also reads `prev:att` and `prev:readout`, so s, att and readout run in the step loop. */
const config = (recurrent = false, decoderCell?: Record<string, unknown>) => {
  const c = JSON.parse(readFileSync("test/fixtures/rec/lstm-attention.json", "utf8"));
  const unit = c.network.output.unit as Unit;
  if (decoderCell) unit.s = { ...unit.s, ...decoderCell };
  if (recurrent) unit.s.from = ["target_embed", "prev:att", "prev:readout"];
  // Scores comparable with the cross-entropy: Σ log p, no smoothing, no normalisation.
  unit.output.length_normalization = false;
  unit.output_prob.loss_opts = {};
  return c as Record<string, unknown>;
};

const sources = {
  value: new Tensor([3, 5], Int32Array.of(3, 5, 7, 9, 2, 4, 6, 0, 0, 0, 11, 1, 8, 0, 0)),
  lengths: Int32Array.of(5, 2, 3),
};

function padded(seqs: Int32Array[]): { value: Tensor; lengths: Int32Array } {
  const T = Math.max(...seqs.map((s) => s.length));
  const value = new Int32Array(seqs.length * T);
  for (const [b, s] of seqs.entries()) value.set(s, b * T);
  return { value: new Tensor([seqs.length, T], value), lengths: Int32Array.from(seqs, (s) => s.length) };
}

/** Summed cross-entropy of `labels` under teacher forcing. */
function teacherForcedCe(net: ReturnType<typeof buildNetwork>, labels: Int32Array[]): number {
  return tidy(() => {
    const batch = { data: { data: sources, classes: padded(labels) } };
    return net.forward(batch, { train: false, step: 0 }).losses.find((l) => l.name === "output/output_prob")!
      .value!;
  });
}

for (const recurrent of [false, true])
  for (const beamSize of [1, 4]) {
    const kind = recurrent ? "recurrent (prev:att, prev:readout) " : "";
    test(`beam ${beamSize}: the ${kind}LSTM decoder's search scores equal teacher forcing on the found labels`, () => {
      const net = buildNetwork(config(recurrent), "lstm-attention.json");
      const found = net.search({ data: { data: sources } }, { beamSize });
      const total = found.scores.reduce((a, b) => a + b, 0);
      const ce = teacherForcedCe(net, found.labels);
      assert.ok(Math.abs(ce + total) < 1e-4 * Math.abs(total), `teacher forcing ${ce} vs search ${-total}`);
    });
  }

/** The decoder cell as `rnn_cell` LSTMBlock: its re-laid-out weights are made once per search loop and kept until it ends. */
const lstmBlock = { class: "rnn_cell", unit: "LSTMBlock" };

for (const [cell, decoderCell] of [
  ["rec nativelstm2", undefined],
  ["rnn_cell LSTMBlock", lstmBlock],
] as const)
  test(`recurrent LSTM decoder (${cell}) search is deterministic, leaks no tensors, and a wider beam is never worse`, () => {
    const net = buildNetwork(config(true, decoderCell), "lstm-attention.json");
    const before = liveTensorCount();
    const greedy = net.search({ data: { data: sources } }, { beamSize: 1 });
    const a = net.search({ data: { data: sources } }, { beamSize: 4 });
    const b = net.search({ data: { data: sources } }, { beamSize: 4 });
    assert.deepEqual(a, b);
    assert.equal(liveTensorCount(), before);
    for (const [i, s] of a.scores.entries()) assert.ok(s >= greedy.scores[i] - 1e-9);
  });

test("beam 4: a recurrent rnn_cell LSTMBlock decoder's search scores equal teacher forcing on the found labels", () => {
  const net = buildNetwork(config(true, lstmBlock), "lstm-attention.json");
  const found = net.search({ data: { data: sources } }, { beamSize: 4 });
  const total = found.scores.reduce((a, b) => a + b, 0);
  const ce = teacherForcedCe(net, found.labels);
  assert.ok(Math.abs(ce + total) < 1e-4 * Math.abs(total), `teacher forcing ${ce} vs search ${-total}`);
});

test('initial_output "apply(0)" — a label embedding (label 0\'s row) and an in-loop tanh layer (tanh(b)): search scores equal teacher forcing, and differ from zeros', () => {
  const variant = (initial: string) => {
    const c = config(true) as { network: { output: { unit: Unit } } };
    const unit = c.network.output.unit;
    unit.target_embed = { ...unit.target_embed, from: "output", initial_output: initial };
    unit.readout = { ...unit.readout, initial_output: initial, bias_init: 0.2 };
    unit.s.from = ["prev:target_embed", "prev:att", "prev:readout"];
    return buildNetwork(c, "lstm-attention.json");
  };
  const net = variant("apply(0)");
  const found = net.search({ data: { data: sources } }, { beamSize: 4 });
  const total = found.scores.reduce((a, b) => a + b, 0);
  const ce = teacherForcedCe(net, found.labels);
  assert.ok(Math.abs(ce + total) < 1e-4 * Math.abs(total), `teacher forcing ${ce} vs search ${-total}`);
  assert.notEqual(ce, teacherForcedCe(variant("zeros"), found.labels));
});

test("a BLSTM's two directions run as one paired op: the loss and every gradient keep their bits, and search its result", () => {
  const c = config(true) as { network: Record<string, Record<string, unknown>> };
  // A second layer whose directions read the first's (with dropout): pairs at two depths.
  c.network.lstm1_fw = {
    class: "rec",
    unit: "nativelstm2",
    from: ["lstm0_fw", "lstm0_bw"],
    n_out: 8,
    dropout: 0.2,
  };
  c.network.lstm1_bw = { ...c.network.lstm1_fw, direction: -1 };
  c.network.encoder.from = ["lstm1_fw", "lstm1_bw"];
  const labels = [Int32Array.of(3, 5, 0), Int32Array.of(4, 0), Int32Array.of(6, 7, 8, 0)];
  const batch = { data: { data: sources, classes: padded(labels) } };
  const run = (pairing: boolean) => {
    const was = setLstmPairing(pairing);
    let pairs = 0;
    const k = kernels();
    setKernels({
      ...k,
      lstmForwardPair: (...args) => {
        pairs++;
        k.lstmForwardPair(...args);
      },
    });
    try {
      const net = buildNetwork(c, "lstm-attention.json");
      const ps = net.params.list().map((p) => p.value);
      const trained = tidy(() => {
        const r = valueAndGrads(() => net.forward(batch, { train: true, step: 3 }).objective!, ps);
        return {
          loss: r.value.item(),
          grads: r.grads.map((g) => Buffer.from(g!.f32.buffer).toString("base64")),
        };
      });
      return { ...trained, search: net.search({ data: { data: sources } }, { beamSize: 3 }), pairs };
    } finally {
      setKernels(k);
      setLstmPairing(was);
    }
  };
  const paired = run(true);
  const single = run(false);
  assert.ok(paired.pairs >= 4, `pairs run: ${paired.pairs} (2 in training, 2 in search)`);
  assert.equal(single.pairs, 0);
  assert.deepEqual({ ...paired, pairs: 0 }, { ...single, pairs: 0 });
});
