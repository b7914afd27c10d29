/**
 * The LSTM benchmark step: a BLSTM encoder of 2 layers × 512 cells per
 * direction (RETURNN `rec` layers, unit nativelstm2, directions 1 and −1) on a
 * batch of 32 sequences × 50 frames of 40-dim features, forward + backward of
 * Σ y² / size (no optimizer update) — the same work as bench/torch_lstm_bench.py.
 * A layer's two directions run as one pair op (REPRONET_PAIR_LSTM=0: one after the other).
 */
import { type KernelsName, selectKernels, setKernels } from "../src/kernels/active.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { lstmCellOf, lstmHalf, lstmPairOutputs, lstmUnitForward } from "../src/layers/lstm-unit.js";
import { createContext } from "../src/network/context.js";
import { batchDim, Data, staticDim, timeDim } from "../src/network/data.js";
import { ParamStore } from "../src/network/params.js";
import { lstmPairingOn } from "../src/network/run.js";
import { KeyedStream } from "../src/rng/keyed.js";
import * as ops from "../src/tensor/ops/index.js";
import { valueAndGrads } from "../src/tensor/tape.js";
import { keep, Tensor, tidy } from "../src/tensor/tensor.js";

export const lstmBenchShape = { layers: 2, cells: 512, batch: 32, frames: 50, features: 40 };

export interface LstmBenchResult {
  bench: "lstm_step";
  kernels: string;
  threads: number;
  steps: number;
  ms_per_step: number;
}

/** Times `steps` forward+backward passes (after 1 warm-up) on the active kernels (`wrap`: a profiler); returns the median. */
export function runLstmStep(
  kernels: KernelsName,
  threads: number,
  steps: number,
  wrap?: (k: Kernels) => Kernels,
): LstmBenchResult {
  const k = selectKernels(kernels, threads);
  if (wrap) setKernels(wrap(k));
  const { layers, cells, batch: B, frames: T, features: F } = lstmBenchShape;
  const params = new ParamStore(1);
  const u = new KeyedStream(1, "bench/lstm").uniform(B * T * F);
  const x = new Data(
    keep(
      new Tensor(
        [B, T, F],
        Float32Array.from(u, (v) => 2 * v - 1),
      ),
    ),
    [batchDim(B), timeDim(new Int32Array(B).fill(T), "T"), staticDim(F)],
  );
  const cell = lstmCellOf("nativelstm2", "bench", false);
  // The two directions of a layer run as one pair op, as the network runner runs them (src/network/run.ts).
  const paired = lstmPairingOn();
  const encoder = () => {
    let h = x;
    for (let l = 0; l < layers; l++) {
      const args = ([1, -1] as const).map(
        (direction) =>
          [
            createContext({ path: `lstm${l}_${direction > 0 ? "fw" : "bw"}`, train: true, params, step: 0 }),
            [h],
            { n_out: cells, direction },
            cell,
          ] as const,
      );
      const dirs = paired
        ? lstmPairOutputs(lstmHalf(...args[0]), lstmHalf(...args[1]))
        : args.map((a) => lstmUnitForward(...a));
      h = new Data(ops.concat([dirs[0].value, dirs[1].value], 2), [
        ...dirs[0].dims.slice(0, 2),
        staticDim(2 * cells),
      ]);
    }
    return h.value;
  };
  tidy(() => encoder()); // creates the parameters
  const ps = params.list().map((p) => p.value);
  const times: number[] = [];
  for (let s = 0; s < steps + 1; s++) {
    const t0 = performance.now();
    tidy(() => {
      valueAndGrads(() => {
        const y = encoder();
        return ops.div(ops.sum(ops.mul(y, y)), y.size);
      }, ps);
    });
    if (s > 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { bench: "lstm_step", kernels, threads, steps, ms_per_step: times[Math.floor(times.length / 2)] };
}
