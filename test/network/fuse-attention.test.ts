/**
 * Fused decoder cross-attention (src/network/fuse-attention.ts): which chains
 * fuse, and that fusing changes no bit — of the loss, of any gradient, of a
 * short training run.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { kernels, setKernels } from "../../src/kernels/active.js";
import { jsKernels } from "../../src/kernels/js/index.js";
import type { Kernels } from "../../src/kernels/kernels.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { attentionChains, setAttentionFusion } from "../../src/network/fuse-attention.js";
import type { NetGraph } from "../../src/network/graph.js";
import { buildNetwork } from "../../src/network/network.js";
import type { Batch } from "../../src/network/types.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";
import { referenceConfig, trainedFingerprint, unitOf } from "../helpers/contract.js";

type Config = Record<string, unknown>;
const reference = (): Config => JSON.parse(readFileSync("examples/transformer-base.json", "utf8")) as Config;
const unitGraph = (config: Config): NetGraph =>
  buildNetwork(config, "ref.json").graph.layers.get("output")!.unit!;

/** Ragged source and target sequences (padding on both sides). */
function batch(): Batch {
  const pad = (seqs: number[][]) => {
    const T = Math.max(...seqs.map((s) => s.length));
    const value = new Tensor(
      [seqs.length, T],
      Int32Array.from({ length: seqs.length * T }, (_, i) => seqs[Math.floor(i / T)][i % T] ?? 0),
    );
    return { value, lengths: Int32Array.from(seqs, (s) => s.length) };
  };
  const src = [
    [3, 5, 7, 9, 2],
    [4, 6],
    [8, 1, 2, 3],
  ];
  const tgt = [
    [2, 9, 7, 5, 3, 0],
    [6, 4, 0],
    [3, 2, 1, 8, 0],
  ];
  return { data: { data: pad(src), classes: pad(tgt) } };
}

/** Objective and every gradient's bits, plus how often the fused kernel ran. */
function step(config: Config, fuse: boolean, train: boolean, ks: Kernels) {
  const net = buildNetwork(config, "ref.json");
  let fusedCalls = 0;
  const counting: Kernels = {
    ...ks,
    crossAttention: (...args) => {
      fusedCalls++;
      ks.crossAttention(...args);
    },
  };
  const before = kernels();
  const wasOn = setAttentionFusion(fuse);
  setKernels(counting);
  try {
    return tidy(() => {
      const params = net.params.list().map((p) => p.value);
      const { value, grads } = valueAndGrads(
        () => net.forward(batch(), { train, step: 5 }).objective!,
        params,
      );
      const bits = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("base64");
      return { objective: bits(value.f32), grads: grads.map((g) => (g ? bits(g.f32) : null)), fusedCalls };
    });
  } finally {
    setKernels(before);
    setAttentionFusion(wasOn);
  }
}

const kernelSets = [jsKernels, nativeKernels()].filter((k) => k !== null);

for (const ks of kernelSets) {
  for (const train of [true, false]) {
    test(`reference Transformer on ${ks.name} kernels (${train ? "training, dropout" : "no dropout"}): both cross-attentions fuse, loss and gradients bit for bit`, () => {
      const fused = step(reference(), true, train, ks);
      const layers = step(reference(), false, train, ks);
      assert.equal(fused.fusedCalls, 2);
      assert.equal(layers.fusedCalls, 0);
      assert.equal(fused.objective, layers.objective);
      assert.deepEqual(fused.grads, layers.grads);
    });
  }
}

test("a dot with the query first (var1 on the decoder side) fuses too, with the same bits", () => {
  const config = reference();
  for (const energy of ["dec_01_att_energy", "dec_02_att_energy"]) {
    const dot = unitOf(config)[energy];
    dot.from = [...(dot.from as string[])].reverse();
    [dot.var1, dot.var2] = [dot.var2, dot.var1];
  }
  const fused = step(config, true, true, kernels());
  const layers = step(config, false, true, kernels());
  assert.equal(fused.fusedCalls, 2);
  assert.deepEqual(fused, { ...layers, fusedCalls: 2 });
});

test("a chain fuses only when nothing else reads its inner layers", () => {
  assert.deepEqual(
    [...attentionChains(unitGraph(reference())).keys()],
    ["dec_01_att_energy", "dec_02_att_energy"],
  );
  const read = reference();
  unitOf(read).dec_01_att_weights.is_output_layer = true;
  unitOf(read).dec_02_att_energy_copy = { class: "copy", from: ["dec_02_att_energy"], is_output_layer: true };
  assert.deepEqual([...attentionChains(unitGraph(read)).keys()], []);
  const shared = reference();
  unitOf(shared).dec_01_att_weights_drop.dropout_noise_shape = { "*": null, T: 1 };
  assert.deepEqual([...attentionChains(unitGraph(shared)).keys()], ["dec_02_att_energy"]);
});

test("training the reference example a few steps with and without fusion gives one fingerprint", async () => {
  const config = referenceConfig();
  (config.train as Config).num_seqs = 48;
  config.num_epochs = 1;
  const wasOn = setAttentionFusion(true);
  try {
    const fused = await trainedFingerprint(config);
    setAttentionFusion(false);
    assert.equal(fused, await trainedFingerprint(config));
  } finally {
    setAttentionFusion(wasOn);
  }
});
