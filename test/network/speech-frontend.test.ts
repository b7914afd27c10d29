/**
 * The 2019 LibriSpeech attention config's encoder front end (returnn-experiments
 * 2019-librispeech-system/attention/base2.conv2l.specaug.curric3.config) with its
 * layer dicts as written there — SpecAugment source, split_dims, two conv + pool
 * layers, merge_dims, time pooling 3 and 2 "same", the CTC softmax — and its
 * NativeLSTM2 layers replaced by linear layers (LSTMs are not part of this test).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildNetwork } from "../../src/network/network.js";
import type { Batch } from "../../src/network/types.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { Tensor, tidy } from "../../src/tensor/tensor.js";
import { testRandom } from "../helpers/gradcheck.js";

const lstmStandIn = (from: string[]) => ({ class: "linear", activation: "tanh", n_out: 8, from });

const config = {
  random_seed: 1,
  extern_data: { data: { dim: 40 }, classes: { dim: 10, sparse: true } },
  network: {
    source: { class: "specaugment", from: "data" },
    source0: { class: "split_dims", axis: "F", dims: [-1, 1], from: "source" },
    conv0: {
      class: "conv",
      from: "source0",
      padding: "same",
      filter_size: [3, 3],
      n_out: 32,
      activation: null,
      with_bias: true,
    },
    conv0p: { class: "pool", mode: "max", padding: "same", pool_size: [1, 2], from: "conv0" },
    conv1: {
      class: "conv",
      from: "conv0p",
      padding: "same",
      filter_size: [3, 3],
      n_out: 32,
      activation: null,
      with_bias: true,
    },
    conv1p: { class: "pool", mode: "max", padding: "same", pool_size: [1, 2], from: "conv1" },
    conv_merged: { class: "merge_dims", from: "conv1p", axes: "static" },
    lstm0_fw: lstmStandIn(["conv_merged"]),
    lstm0_bw: lstmStandIn(["conv_merged"]),
    lstm0_pool: {
      class: "pool",
      mode: "max",
      padding: "same",
      pool_size: [3],
      from: ["lstm0_fw", "lstm0_bw"],
      trainable: false,
    },
    lstm1_fw: lstmStandIn(["lstm0_pool"]),
    lstm1_bw: lstmStandIn(["lstm0_pool"]),
    lstm1_pool: {
      class: "pool",
      mode: "max",
      padding: "same",
      pool_size: [2],
      from: ["lstm1_fw", "lstm1_bw"],
      trainable: false,
    },
    lstm2_pool: {
      class: "pool",
      mode: "max",
      padding: "same",
      pool_size: [1],
      from: ["lstm1_pool"],
      trainable: false,
    },
    encoder: { class: "copy", from: "lstm2_pool" },
    ctc: {
      class: "softmax",
      from: ["encoder"],
      loss: "ctc",
      target: "classes",
      loss_opts: { beam_width: 1, ctc_opts: { ignore_longer_outputs_than_inputs: true } },
    },
  },
};

function randomBatch(): Batch {
  const r = testRandom(3);
  const lengths = Int32Array.of(25, 13);
  const labels = Int32Array.of(1, 2, 3, 4, 2, 9, 0, 0);
  return {
    data: {
      data: {
        value: new Tensor(
          [2, 25, 40],
          Float32Array.from({ length: 2000 }, () => r() * 2 - 1),
        ),
        lengths,
      },
      classes: { value: new Tensor([2, 4], labels), lengths: Int32Array.of(4, 2) },
    },
  };
}

test("shapes through the 2019 front end: (B, T, 320) after the convs, ⌈⌈T/3⌉/2⌉ frames after the time pools", () => {
  const net = buildNetwork(config, "2019.config");
  const batch = randomBatch();
  tidy(() => {
    const merged = net.layerOutput(batch, "conv_merged");
    assert.deepEqual(merged.value.shape, [2, 25, 320]);
    const enc = net.layerOutput(batch, "encoder");
    assert.deepEqual(Array.from(enc.dims[1].lengths!), [5, 3]);
    assert.deepEqual(enc.value.shape, [2, 5, 16]);
  });
  const names = net.params.list().map((p) => `${p.name} [${p.value.shape}]`);
  assert.ok(names.includes("conv0/W [3,3,1,32]") && names.includes("conv1/W [3,3,32,32]"), names.join(", "));
  assert.ok(names.includes("ctc/W [16,11]"));
});

test("one training step of the 2019 front end with CTC gives a finite loss and a gradient for every conv parameter", () => {
  const net = buildNetwork(config, "2019.config");
  tidy(() => {
    const params = net.params.list();
    let ctc: number | null = null;
    const { grads } = valueAndGrads(
      () => {
        const r = net.forward(randomBatch(), { train: true, step: 1 });
        ctc = r.losses.find((l) => l.name === "ctc")!.value;
        return r.objective!;
      },
      params.map((p) => p.value),
    );
    assert.ok(ctc !== null && Number.isFinite(ctc) && ctc > 0);
    for (const name of ["conv0/W", "conv0/bias", "conv1/W", "conv1/bias"]) {
      const g = grads[params.findIndex((p) => p.name === name)];
      assert.ok(
        g?.f32.some((v) => v !== 0),
        `${name} has no gradient`,
      );
    }
  });
});
