/**
 * A small MLP training loop built only from engine pieces: keyed init, keyed
 * dropout, Adam, global-norm clipping. Shared by the determinism and memory
 * tests; `mlp-main.ts` runs it in a child process.
 */

import { type AdamSlots, adamUpdate, newAdamSlots } from "../../src/optim/adam.js";
import { clipByGlobalNorm } from "../../src/optim/clip.js";
import { glorotUniform } from "../../src/rng/initializers.js";
import { KeyedStream } from "../../src/rng/keyed.js";
import { fingerprintParams } from "../../src/rundir/index.js";
import * as ops from "../../src/tensor/ops/index.js";
import { valueAndGrads } from "../../src/tensor/tape.js";
import { keep, Tensor, tidy } from "../../src/tensor/tensor.js";

export interface Mlp {
  names: string[];
  params: Tensor[];
  slots: AdamSlots[];
}

export function initMlp(seed: number): Mlp {
  const shapes: Record<string, number[]> = { "l1/W": [8, 16], "l1/b": [16], "l2/W": [16, 3], "l2/b": [3] };
  const names = Object.keys(shapes).sort();
  const params = names.map((name) => {
    const shape = shapes[name];
    const data = name.endsWith("/b")
      ? new Float32Array(shape[0])
      : glorotUniform()(new KeyedStream(seed, name), shape);
    return keep(new Tensor(shape, data));
  });
  return { names, params, slots: params.map((p) => newAdamSlots(p.size)) };
}

/** One training step on a keyed synthetic batch; returns the loss. */
export function trainStep(mlp: Mlp, seed: number, step: number): number {
  return tidy(() => {
    const x = new Tensor([32, 8], new KeyedStream(seed, "data/x", step).normal(32 * 8));
    const labels = new Tensor(
      [32],
      Int32Array.from(new KeyedStream(seed, "data/y", step).uint32(32), (u) => u % 3),
    );
    const [w1, b1, w2, b2] = [mlp.params[0], mlp.params[1], mlp.params[2], mlp.params[3]];
    const { value, grads } = valueAndGrads(() => {
      const h = ops.relu(ops.add(ops.matmul(x, w1), b1));
      const hd = ops.dropout(h, 0.1, (n) => new KeyedStream(seed, "dropout/l1", step).uniform(n));
      const logits = ops.add(ops.matmul(hd, w2), b2);
      return ops.mean(ops.sparseCrossEntropy(logits, labels, 0.1));
    }, mlp.params);
    const present = grads.filter((g): g is Tensor => g !== null);
    clipByGlobalNorm(present, 1);
    mlp.params.forEach((p, i) => {
      const g = grads[i];
      if (g) adamUpdate(p, g, mlp.slots[i], 0.01, step + 1);
    });
    return value.item();
  });
}

export function fingerprint(mlp: Mlp): string {
  return fingerprintParams(
    mlp.names.map((n, i) => [n, { shape: mlp.params[i].shape, data: mlp.params[i].f32 }]),
  ).digest;
}
