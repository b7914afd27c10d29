/**
 * Cost of the per-step fingerprints (`fingerprint_every_n_steps`, src/train/step-digest.ts)
 * on the reference step: the three digests (batch, gradients, parameters) of
 * one step against the median step time. `node dist/bench/step-digest.js [threads]`.
 */

import { buildNetwork } from "../src/network/network.js";
import { Tensor } from "../src/tensor/tensor.js";
import { digestBatch, digestNamed, digestParams } from "../src/train/step-digest.js";
import { referenceBatch, referenceConfig } from "./reference-config.js";
import { runReferenceStep } from "./reference-step.js";

const threads = Number(process.argv[2] ?? 1);
const step = runReferenceStep({ kernels: "native", threads, steps: 3, warmup: 1 });
const params = buildNetwork(referenceConfig(), "bench/reference-config.ts").params.list();
const { sequences: B, length: T } = referenceBatch;
const tokens = new Tensor([B, T], new Int32Array(B * T).fill(3));
const lengths = new Int32Array(B).fill(T);
const batch = { data: { data: { value: tokens, lengths }, classes: { value: tokens, lengths } } };
const names = params.map((p) => p.name);
const grads = params.map((p) => p.value); // same sizes as the gradients
const times: number[] = [];
for (let i = 0; i < 11; i++) {
  const t0 = performance.now();
  digestBatch(batch);
  digestNamed(names, grads);
  digestParams(params);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const ms = times[5];
const values = params.reduce((n, p) => n + p.value.size, 0);
console.log(
  JSON.stringify({
    bench: "step_digest",
    threads,
    params: values,
    digest_ms: Math.round(ms * 100) / 100,
    step_ms: Math.round(step.ms_per_step * 10) / 10,
    percent_of_step: Math.round((1000 * ms) / step.ms_per_step) / 10,
  }),
);
