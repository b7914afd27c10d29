/**
 * A small per-frame network for engine tests, built only from ParamStore and
 * ops: output frame t sees input token t (0 past the source's end) through an
 * embedding, tanh, optional keyed dropout and a softmax layer, with a
 * cross-entropy loss on `classes`. On the synthetic `copy` task it can learn
 * everything; on `reverse` it cannot, but it trains all the same.
 */

import { ParamStore } from "../../src/network/params.js";
import type { Batch, LossReport, StepResult, TrainableNetwork } from "../../src/network/types.js";
import { glorotUniform, zeros } from "../../src/rng/initializers.js";
import { KeyedStream } from "../../src/rng/keyed.js";
import * as ops from "../../src/tensor/ops/index.js";
import { noGrad } from "../../src/tensor/tape.js";
import { Tensor } from "../../src/tensor/tensor.js";

export interface FakeNetOptions {
  hidden?: number;
  dropout?: number;
  /** Adds a zero-scaled loss `aaa_aux` (its name sorts first) with its own parameter. */
  aux?: "none" | "finite" | "nan";
  /** Makes the objective NaN from this global step on. */
  nanFromStep?: number;
}

export class FakeNet implements TrainableNetwork {
  readonly params: ParamStore;

  constructor(
    seed: number,
    readonly vocab: number,
    readonly o: FakeNetOptions = {},
  ) {
    this.params = new ParamStore(seed);
  }

  forward(batch: Batch, opts: { train: boolean; step: number }): StepResult {
    const h = this.o.hidden ?? 8;
    const V = this.vocab;
    const data = batch.data.data;
    const classes = batch.data.classes;
    const [B, T] = classes.value.shape;
    const Td = data.value.shape[1];
    const x = new Int32Array(B * T);
    const mask = new Float32Array(B * T);
    let frames = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        if (t < data.lengths[b] && t < Td) x[b * T + t] = data.value.i32[b * Td + t];
        if (t < classes.lengths[b]) {
          mask[b * T + t] = 1;
          frames++;
        }
      }
    }
    const emb = this.params.get("fake/emb", [V, h], glorotUniform());
    const W = this.params.get("fake/out/W", [h, V], glorotUniform());
    const bias = this.params.get("fake/out/b", [V], zeros());
    let hid = ops.tanh(ops.gather(emb, new Tensor([B * T], x)));
    if (opts.train && this.o.dropout)
      hid = ops.dropout(hid, this.o.dropout, (n) =>
        new KeyedStream(this.params.seed, "dropout/fake", opts.step).uniform(n),
      );
    const logits = ops.add(ops.matmul(hid, W), bias);
    const labels = new Tensor([B * T], Int32Array.from(classes.value.i32));
    const ce = ops.mul(ops.sparseCrossEntropy(logits, labels), new Tensor([B * T], mask));
    let value = ops.sum(ce);
    if (this.o.nanFromStep !== undefined && opts.step >= this.o.nanFromStep)
      value = ops.mul(value, Number.NaN);
    const losses: LossReport[] = [];
    let errors = 0;
    const l = logits.f32;
    for (let r = 0; r < B * T; r++) {
      if (!mask[r]) continue;
      let best = 0;
      for (let k = 1; k < V; k++) if (l[r * V + k] > l[r * V + best]) best = k;
      if (best !== labels.i32[r]) errors++;
    }
    if (this.o.aux && this.o.aux !== "none") {
      const a = this.params.get("aaa_aux/W", [h, V], glorotUniform());
      const auxValue = noGrad(() =>
        ops.sum(ops.mul(ops.sparseCrossEntropy(ops.matmul(hid, a), labels), new Tensor([B * T], mask))),
      );
      const v = this.o.aux === "nan" ? Number.NaN : auxValue.item();
      losses.push({ name: "aaa_aux", value: v, frames, scale: 0, inObjective: false });
    }
    losses.push({ name: "output", value: value.item(), error: errors, frames, scale: 1, inObjective: true });
    return { objective: ops.mul(value, 1 / frames), losses };
  }
}

/** A config for the fake network on a small synthetic task. */
export function fakeConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    random_seed: 3,
    train: { class: "synthetic", task: "copy", num_seqs: 24, vocab_size: 6, min_len: 2, max_len: 6, seed: 1 },
    dev: { class: "synthetic", task: "copy", num_seqs: 8, vocab_size: 6, min_len: 2, max_len: 6, seed: 2 },
    batch_size: 30,
    max_seqs: 6,
    num_epochs: 2,
    learning_rate: 0.05,
    optimizer: { class: "adam" },
    gradient_clip_global_norm: 5,
    ...over,
  };
}

/** The network factory for `fakeConfig` configs. */
export const fakeFactory =
  (o: FakeNetOptions = {}) =>
  (config: Record<string, unknown>): FakeNet =>
    new FakeNet(
      Number(config.random_seed ?? 42),
      Number((config.train as { vocab_size: number }).vocab_size),
      o,
    );
