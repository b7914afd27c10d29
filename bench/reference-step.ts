/**
 * The reference training step (bench/reference-config.ts): build the network,
 * then time forward + backward + Adam on one fixed batch of 32 × 25 tokens.
 * Runs in its own process (bench/reference-step-main.ts) so that peak RSS is
 * this kernel set's alone.
 */
import { selectKernels, setKernels } from "../src/kernels/active.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { nativeKernels } from "../src/kernels/native/index.js";
import { buildNetwork } from "../src/network/network.js";
import type { Batch } from "../src/network/types.js";
import { adamUpdateMany, newAdamSlots } from "../src/optim/adam.js";
import { KeyedStream } from "../src/rng/keyed.js";
import { valueAndGrads } from "../src/tensor/tape.js";
import { keep, Tensor, tidy } from "../src/tensor/tensor.js";
import { referenceBatch, referenceConfig, referenceShape, stepFlops } from "./reference-config.js";

export interface StepBenchOptions {
  kernels: "js" | "native";
  threads: number;
  steps: number;
  warmup: number;
  /** Wraps the selected kernels (bench/kernel-profile.ts times every call). */
  wrap?: (k: Kernels) => Kernels;
}

export interface StepBenchResult {
  bench: "reference_step";
  kernels: string;
  threads: number;
  isa?: string;
  steps: number;
  ms_per_step: number;
  gflops: number;
  peak_rss_mb: number;
  build_ms: number;
  loss: number;
}

/** Random tokens in [1, V) from the keyed RNG, every sequence full length. */
function makeBatch(): Batch {
  const { sequences: B, length: T } = referenceBatch;
  const V = referenceShape.vocab;
  const tokens = (name: string) =>
    keep(
      new Tensor(
        [B, T],
        Int32Array.from(new KeyedStream(1, name).uint32(B * T), (u) => 1 + (u % (V - 1))),
      ),
    );
  const lengths = new Int32Array(B).fill(T);
  return {
    data: {
      data: { value: tokens("bench/data"), lengths },
      classes: { value: tokens("bench/classes"), lengths },
    },
  };
}

export function runReferenceStep(o: StepBenchOptions): StepBenchResult {
  const k = selectKernels(o.kernels, o.threads);
  if (o.wrap) setKernels(o.wrap(k));
  const t0 = performance.now();
  const net = buildNetwork(referenceConfig(), "bench/reference-config.ts");
  const buildMs = performance.now() - t0;
  const params = net.params.list().filter((p) => p.trainable);
  const slots = params.map((p) => newAdamSlots(p.value.size));
  const adam = { beta1: 0.9, beta2: 0.98, epsilon: 1e-9, weightDecay: 0 };
  const batch = makeBatch();
  const times: number[] = [];
  let loss = Number.NaN;
  for (let step = 0; step < o.warmup + o.steps; step++) {
    const s0 = performance.now();
    loss = tidy(() => {
      const { value, grads } = valueAndGrads(
        () => net.forward(batch, { train: true, step }).objective!,
        params.map((p) => p.value),
      );
      // One multi-tensor Adam call, as the trainer's optimizer makes.
      const items = params.flatMap((p, i) => {
        const g = grads[i];
        return g ? [{ param: p.value, grad: g, slots: slots[i] }] : [];
      });
      adamUpdateMany(items, 5e-4, step + 1, adam);
      return value.item();
    });
    if (step >= o.warmup) times.push(performance.now() - s0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  return {
    bench: "reference_step",
    kernels: k.name,
    threads: k.name === "native" ? o.threads : 1,
    ...(k.name === "native" ? { isa: nativeKernels()!.isa() } : {}),
    steps: o.steps,
    ms_per_step: ms,
    gflops: stepFlops() / (ms * 1e6),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    build_ms: buildMs,
    loss,
  };
}
