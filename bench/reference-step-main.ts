/**
 * Child-process entry: `node dist/bench/reference-step-main.js <js|native> <threads> <steps> <warmup>`
 * prints one JSON line (StepBenchResult).
 */
import { runReferenceStep } from "./reference-step.js";

const [kernels, threads, steps, warmup] = process.argv.slice(2);
if (kernels !== "js" && kernels !== "native") throw new Error(`kernels must be js or native, got ${kernels}`);
const r = runReferenceStep({
  kernels,
  threads: Number(threads ?? 1),
  steps: Number(steps ?? 10),
  warmup: Number(warmup ?? 2),
});
process.stdout.write(`${JSON.stringify(r)}\n`);
