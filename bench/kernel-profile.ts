/**
 * Where the reference step's time goes: every kernel call is timed (by kernel,
 * by op for `unary`/`binary`, and `matmul` by its batch×m×n×k shape), and the
 * rest of the step — tape, allocation, JS glue — is what is left of the wall
 * time. A development tool: `node dist/bench/kernel-profile.js [threads] [steps]`;
 * `node dist/bench/kernel-profile.js search [threads] [sentences]` profiles
 * the beam-search bench (bench/search-bench.ts) instead, and
 * `node dist/bench/kernel-profile.js lstm [threads] [steps]` the BLSTM step
 * (bench/lstm-step.ts).
 */
import type { Kernels, MatmulSpec } from "../src/kernels/kernels.js";
import { runLstmStep } from "./lstm-step.js";
import { runReferenceStep } from "./reference-step.js";
import { runSearchBench } from "./search-bench.js";

interface Entry {
  calls: number;
  ms: number;
}

/** Element-wise ops by shape and the second operand's strides too (REPRONET_PROFILE_DETAIL=1). */
const detail = process.env.REPRONET_PROFILE_DETAIL === "1";

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
      const spec = args[3] as MatmulSpec;
      const key =
        typeof args[0] === "string"
          ? `${name}:${args[0]}${detail && name === "binary" ? ` ${(args[6] as number[]).join("×")} b=${(args[4] as number[]).join(",")}` : ""}`
          : name === "matmul"
            ? `matmul ${spec.batch}×${spec.m}×${spec.n}×${spec.k}`
            : name;
      const e = table.get(key) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += performance.now() - t0;
      table.set(key, e);
      return r;
    };
  }
  return wrapped as unknown as Kernels;
}

const table = new Map<string, Entry>();
const wrap = (k: Kernels) => profiledKernels(k, table);
const args = process.argv.slice(2);
let total: number;
let perRun: number;
if (args[0] === "search") {
  const [threads, sentences] = args.slice(1).map(Number);
  const r = runSearchBench("native", threads || 1, sentences || 32, 5, wrap);
  total = r.seconds * 1000;
  perRun = 1;
  console.log(
    `search: ${r.sentences} sentences in ${r.seconds.toFixed(1)} s (${r.threads} thread(s)); kernel time ${((100 * kernelMs()) / total).toFixed(0)}% (approx.)`,
  );
} else if (args[0] === "lstm") {
  const [threads, steps] = args.slice(1).map(Number);
  const t0 = performance.now();
  const r = runLstmStep("native", threads || 1, steps || 5, wrap);
  total = performance.now() - t0;
  perRun = r.steps + 1;
  console.log(
    `lstm step ${r.ms_per_step.toFixed(1)} ms (median, ${r.threads} thread(s)); kernel time ${((100 * kernelMs()) / total).toFixed(0)}% of all steps (approx.)`,
  );
} else {
  const [threads, steps] = args.map(Number);
  const t0 = performance.now();
  const r = runReferenceStep({
    kernels: "native",
    threads: threads || 1,
    steps: steps || 5,
    warmup: 2,
    wrap,
  });
  // Wall time of all steps (warm-up included, as in the table; the build's tiny dry run is negligible).
  total = performance.now() - t0 - r.build_ms;
  perRun = r.steps + 2;
  console.log(
    `reference step ${r.ms_per_step.toFixed(1)} ms (median, ${r.threads} thread(s)); kernel time ${((100 * kernelMs()) / total).toFixed(0)}% of all steps (approx.)`,
  );
}
function kernelMs(): number {
  return [...table.values()].reduce((s, e) => s + e.ms, 0);
}
const unit = perRun === 1 ? "ms" : "ms/step";
for (const [key, e] of [...table].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
  console.log(
    `${key.padEnd(28)} ${String(e.calls).padStart(7)} calls ${(e.ms / perRun).toFixed(1).padStart(8)} ${unit} ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`,
  );
