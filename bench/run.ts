/**
 * `npm run bench [-- --json]`: benchmarks for the active kernel sets. Prints a
 * table, or one JSON object per line with --json. Numbers depend on the
 * machine: report them with its name (`lscpu`).
 */
import { cpus } from "node:os";
import { jsKernels } from "../src/kernels/js/index.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { benchGemm } from "./gemm.js";

const json = process.argv.includes("--json");
const kernelSets: Kernels[] = [jsKernels];

function emit(row: Record<string, unknown>, text: string): void {
  console.log(json ? JSON.stringify(row) : text);
}

if (!json)
  console.log(`machine: ${cpus()[0]?.model ?? "unknown"} × ${cpus().length}, node ${process.version}`);
for (const k of kernelSets) {
  for (const n of [256, 512, 1024]) {
    const r = benchGemm(k, n);
    emit(
      { ...r },
      `gemm ${k.name.padEnd(7)} n=${String(n).padEnd(5)} ${r.ms.toFixed(1).padStart(8)} ms  ${r.gflops.toFixed(2)} GFLOP/s`,
    );
  }
}
