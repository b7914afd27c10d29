/**
 * Where the reference step's time goes: every kernel call is timed (by kernel,
 * and by op for `unary`/`binary`; `matmul` by its m×n×k shape class), and the
 * rest of the step — tape, allocation, JS glue — is what is left of the wall
 * time. A development tool: `node dist/bench/kernel-profile.js [threads] [steps]`.
 */
import type { Kernels } from "../src/kernels/kernels.js";
import { runReferenceStep } from "./reference-step.js";

interface Entry {
  calls: number;
  ms: number;
}

/** A Kernels object whose calls add their wall time to `table`. */
export function profiledKernels(k: Kernels, table: Map<string, Entry>): Kernels {
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(k) as (keyof Kernels)[]) {
    const f = k[name] as unknown;
    if (typeof f !== "function") {
      wrapped[name] = f;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const r = (f as (...a: unknown[]) => unknown).apply(k, args);
      const key = typeof args[0] === "string" ? `${name}:${args[0]}` : name;
      const e = table.get(key) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += performance.now() - t0;
      table.set(key, e);
      return r;
    };
  }
  return wrapped as unknown as Kernels;
}

const [threads, steps] = process.argv.slice(2).map(Number);
const table = new Map<string, Entry>();
const t0 = performance.now();
const r = runReferenceStep({
  kernels: "native",
  threads: threads || 1,
  steps: steps || 5,
  warmup: 2,
  wrap: (k) => profiledKernels(k, table),
});
// Wall time of all steps (warm-up included, as in the table; the build's tiny dry run is negligible).
const total = performance.now() - t0 - r.build_ms;
const kernelMs = [...table.values()].reduce((s, e) => s + e.ms, 0);
console.log(
  `reference step ${r.ms_per_step.toFixed(1)} ms (median, ${r.threads} thread(s)); kernel time ${((100 * kernelMs) / total).toFixed(0)}% of all steps (approx.)`,
);
for (const [key, e] of [...table].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
  console.log(
    `${key.padEnd(28)} ${String(e.calls).padStart(7)} calls ${(e.ms / (r.steps + 2)).toFixed(1).padStart(8)} ms/step ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`,
  );
