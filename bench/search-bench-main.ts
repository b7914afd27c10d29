/**
 * Child-process entry: `node dist/bench/search-bench-main.js <js|native> <threads> <sentences>`
 * prints one JSON line (SearchBenchResult).
 */
import { runSearchBench } from "./search-bench.js";

const [kernels, threads, sentences] = process.argv.slice(2);
if (kernels !== "js" && kernels !== "native") throw new Error(`kernels must be js or native, got ${kernels}`);
const r = runSearchBench(kernels, Number(threads ?? 2), Number(sentences ?? 1000));
process.stdout.write(`${JSON.stringify(r)}\n`);
