/** GEMM throughput of a kernel set: C = A·B for square n×n float32 matrices. */
import type { Kernels } from "../src/kernels/kernels.js";

export interface GemmResult {
  bench: "gemm";
  kernels: string;
  n: number;
  ms: number;
  gflops: number;
}

export function benchGemm(k: Kernels, n: number, minSeconds = 1): GemmResult {
  const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(n * n);
  const spec = { batch: 1, m: n, n, k: n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  k.matmul(a, b, c, spec); // warm-up
  const times: number[] = [];
  const start = performance.now();
  do {
    const t0 = performance.now();
    k.matmul(a, b, c, spec);
    times.push(performance.now() - t0);
  } while (performance.now() - start < minSeconds * 1000 || times.length < 3);
  times.sort((x, y) => x - y);
  const ms = times[Math.floor(times.length / 2)];
  return { bench: "gemm", kernels: k.name, n, ms, gflops: (2 * n * n * n) / (ms * 1e6) };
}
