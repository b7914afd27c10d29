/**
 * `npm run bench [-- --json] [-- --quick] [-- --steps N] [-- --js-steps N] [-- --no-torch] [-- --search-sentences N]`
 *
 * For each available kernel set: GEMM GFLOP/s at 256/512/1024 (native at 1 and
 * 2 threads), then the reference training step (bench/reference-config.ts:
 * median ms/step, GFLOP/s, peak RSS — each kernel set in its own process), and
 * the PyTorch reference (bench/torch_step_bench.py) with the ratios (per thread
 * count, and best against best) under PyTorch 2 in `.venv-torch` when it
 * imports torch, else Debian's `/usr/bin/python3`; and beam search
 * (bench/search-bench.ts, sentences/s). --json prints one JSON object per
 * line. The JS step is slow: --quick (or --js-steps 0) keeps a run short.
 * Numbers depend on the machine: report them with its name (`lscpu`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsKernels } from "../src/kernels/js/index.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { nativeKernels, nativeUnavailableReason } from "../src/kernels/native/index.js";
import { benchGemm } from "./gemm.js";
import { lstmBenchShape, runLstmStep } from "./lstm-step.js";
import { referenceBatch, referenceShape, stepFlops } from "./reference-config.js";
import type { StepBenchResult } from "./reference-step.js";
import type { SearchBenchResult } from "./search-bench.js";

const argv = process.argv.slice(2);
const json = argv.includes("--json");
const quick = argv.includes("--quick");
function numberFlag(name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a non-negative integer`);
  return v;
}
const steps = numberFlag("--steps", quick ? 5 : 20);
const jsSteps = numberFlag("--js-steps", quick ? 0 : 2);
const torchSteps = numberFlag("--torch-steps", quick ? 8 : 30);
const withTorch = !argv.includes("--no-torch");
const searchSentences = numberFlag("--search-sentences", quick ? 100 : 1000);
const here = dirname(fileURLToPath(import.meta.url));

function emit(row: Record<string, unknown>, text: string): void {
  console.log(json ? JSON.stringify(row) : text);
}

const native = nativeKernels();
const threadCounts = [1, 2];

if (!json) {
  console.log(`machine: ${cpus()[0]?.model ?? "unknown"} × ${cpus().length}, node ${process.version}`);
  if (native) console.log(`native kernels: GEMM micro-kernel ${native.isa()}`);
  else console.log(`native kernels unavailable: ${nativeUnavailableReason()}`);
}

// --- GEMM --------------------------------------------------------------------------------------

const gemmRuns: { k: Kernels; threads: number }[] = [{ k: jsKernels, threads: 1 }];
if (native) for (const t of threadCounts) gemmRuns.push({ k: native, threads: t });
for (const { k, threads } of gemmRuns) {
  if (k === native) native.setThreads(threads);
  for (const n of quick && k === jsKernels ? [256, 512] : [256, 512, 1024]) {
    const r = benchGemm(k, n, quick ? 0.3 : 1);
    emit(
      { ...r, threads },
      `gemm ${k.name.padEnd(7)} threads=${threads} n=${String(n).padEnd(5)} ${r.ms.toFixed(2).padStart(9)} ms  ${r.gflops.toFixed(1).padStart(6)} GFLOP/s`,
    );
  }
}

// --- reference step ----------------------------------------------------------------------------

const s = referenceShape;
if (!json) {
  console.log(
    `reference step: Transformer ${s.encLayers}+${s.decLayers} layers, d ${s.dModel}, ${s.heads} heads, FF ${s.ff}, vocab ${s.vocab}, ` +
      `batch ${referenceBatch.sequences}×${referenceBatch.length}, ${(stepFlops() / 1e9).toFixed(1)} GFLOP/step`,
  );
}

function childStep(kernels: "js" | "native", threads: number, n: number): StepBenchResult | null {
  const r = spawnSync(
    process.execPath,
    [join(here, "reference-step-main.js"), kernels, String(threads), String(n), kernels === "js" ? "0" : "2"],
    { encoding: "utf8", env: { ...process.env, REPRONET_KERNELS: "" }, maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) {
    console.error(
      `reference step (${kernels}, ${threads} threads) failed: ${r.stderr.trim().split("\n").pop()}`,
    );
    return null;
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as StepBenchResult;
}

const stepRuns: { kernels: "js" | "native"; threads: number; steps: number }[] = [];
if (native) for (const t of threadCounts) stepRuns.push({ kernels: "native", threads: t, steps });
if (jsSteps > 0) stepRuns.push({ kernels: "js", threads: 1, steps: jsSteps });
const results: StepBenchResult[] = [];
for (const run of stepRuns) {
  const r = childStep(run.kernels, run.threads, run.steps);
  if (!r) continue;
  results.push(r);
  emit(
    r as unknown as Record<string, unknown>,
    `step ${r.kernels.padEnd(7)} threads=${r.threads} ${r.ms_per_step.toFixed(0).padStart(7)} ms/step  ` +
      `${r.gflops.toFixed(1).padStart(6)} GFLOP/s  peak RSS ${r.peak_rss_mb.toFixed(0)} MB  (median of ${r.steps})`,
  );
}

// --- PyTorch reference ---------------------------------------------------------------------------

/**
 * The Python to run the PyTorch reference with: PyTorch 2 in `.venv-torch` (see bench/README.md)
 * when it imports torch, else Debian's python3-torch; `version` is torch's.
 */
function findTorch(): { python: string; version: string } | null {
  for (const python of [join(process.cwd(), ".venv-torch", "bin", "python"), "/usr/bin/python3"]) {
    if (!existsSync(python)) continue;
    try {
      const version = execFileSync(python, ["-c", "import torch; print(torch.__version__)"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
      return { python, version };
    } catch {}
  }
  return null;
}

/** bench/torch_step_bench.py of the repository (the run starts at its root), else next to dist/. */
const torchScript = [
  join(process.cwd(), "bench", "torch_step_bench.py"),
  join(here, "..", "..", "bench", "torch_step_bench.py"),
].find((p) => existsSync(p));
const torch = withTorch && torchScript ? findTorch() : null;

if (torch && torchScript) {
  emit(
    { bench: "torch", python: torch.python, version: torch.version },
    `torch ${torch.version} (${torch.python})`,
  );
  const torchResults: { threads: number; ms: number }[] = [];
  for (const t of threadCounts) {
    const r = spawnSync(torch.python, [torchScript, "--threads", String(t), "--steps", String(torchSteps)], {
      encoding: "utf8",
    });
    const m = /median (\d+(?:\.\d+)?) ms\/step, ~(\d+(?:\.\d+)?) GFLOP\/s/.exec(r.stdout);
    if (r.status !== 0 || !m) {
      console.error(
        `torch reference (${t} threads) failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`,
      );
      continue;
    }
    const ms = Number(m[1]);
    torchResults.push({ threads: t, ms });
    emit(
      {
        bench: "reference_step",
        kernels: "torch",
        torch_version: torch.version,
        threads: t,
        ms_per_step: ms,
        gflops: Number(m[2]),
      },
      `step torch   threads=${t} ${ms.toFixed(0).padStart(7)} ms/step  ${Number(m[2]).toFixed(1).padStart(6)} GFLOP/s`,
    );
  }
  const nativeMs = (t: number) => results.find((r) => r.kernels === "native" && r.threads === t)?.ms_per_step;
  // One ratio per thread count (the 1-thread target), then each side at its best thread count.
  for (const { threads, ms } of torchResults) {
    const own = nativeMs(threads);
    if (own === undefined) continue;
    emit(
      {
        bench: "reference_step_ratio",
        threads,
        torch_version: torch.version,
        native_ms: own,
        torch_ms: ms,
        ratio: own / ms,
      },
      `native / torch ${torch.version}, ${threads} thread(s): ${(own / ms).toFixed(2)}×`,
    );
  }
  const bestTorch = Math.min(...torchResults.map((r) => r.ms));
  const bestNative = Math.min(...results.filter((r) => r.kernels === "native").map((r) => r.ms_per_step));
  if (Number.isFinite(bestTorch) && Number.isFinite(bestNative)) {
    const ratio = bestNative / bestTorch;
    emit(
      {
        bench: "reference_step_ratio",
        threads: "best",
        torch_version: torch.version,
        native_ms: bestNative,
        torch_ms: bestTorch,
        ratio,
      },
      `native / torch ${torch.version} (best thread setting each): ${ratio.toFixed(2)}×`,
    );
  }
} else if (!json) {
  console.log(
    !withTorch
      ? "torch: skipped"
      : torchScript
        ? "torch: not available (neither .venv-torch/bin/python nor /usr/bin/python3 imports torch)"
        : "torch: bench/torch_step_bench.py not found",
  );
}

// --- beam search -------------------------------------------------------------------------------

if (native && searchSentences > 0) {
  const r = spawnSync(
    process.execPath,
    [
      join(here, "search-bench-main.js"),
      "native",
      String(Math.max(...threadCounts)),
      String(searchSentences),
    ],
    { encoding: "utf8", env: { ...process.env, REPRONET_KERNELS: "" }, maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) console.error(`search bench failed: ${r.stderr.trim().split("\n").pop()}`);
  else {
    const row = JSON.parse(r.stdout.trim().split("\n").pop()!) as SearchBenchResult;
    emit(
      row as unknown as Record<string, unknown>,
      `search native threads=${row.threads} beam ${row.beam}, vocab ${row.vocab}: ${row.sentences} sentences in ` +
        `${row.seconds.toFixed(1)} s, ${row.sentences_per_s.toFixed(1)} sentences/s  peak RSS ${row.peak_rss_mb.toFixed(0)} MB`,
    );
  }
}

// --- LSTM step (BLSTM encoder, bench/lstm-step.ts) ---------------------------------------------

if (native) {
  const lstmSteps = quick ? 3 : 10;
  const lstmNative: number[] = [];
  for (const t of threadCounts) {
    native.setThreads(t);
    const r = runLstmStep("native", t, lstmSteps);
    lstmNative.push(r.ms_per_step);
    emit(
      r as unknown as Record<string, unknown>,
      `lstm_step native threads=${t} ${r.ms_per_step.toFixed(1).padStart(8)} ms/step  (BLSTM ${lstmBenchShape.layers}×${lstmBenchShape.cells}, median of ${lstmSteps})`,
    );
  }
  const lstmScript = torchScript && join(dirname(torchScript), "torch_lstm_bench.py");
  if (torch && lstmScript && existsSync(lstmScript)) {
    const torchMs: number[] = [];
    for (const t of threadCounts) {
      const r = spawnSync(torch.python, [lstmScript, "--threads", String(t), "--steps", String(lstmSteps)], {
        encoding: "utf8",
      });
      const m = /median (\d+(?:\.\d+)?) ms\/step/.exec(r.stdout);
      if (r.status !== 0 || !m) {
        console.error(`torch lstm (${t} threads) failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
        continue;
      }
      torchMs.push(Number(m[1]));
      emit(
        { bench: "lstm_step", kernels: "torch", threads: t, ms_per_step: Number(m[1]) },
        `lstm_step torch  threads=${t} ${Number(m[1]).toFixed(1).padStart(8)} ms/step`,
      );
    }
    if (torchMs.length > 0) {
      const ratio = Math.min(...lstmNative) / Math.min(...torchMs);
      emit(
        {
          bench: "lstm_step_ratio",
          native_ms: Math.min(...lstmNative),
          torch_ms: Math.min(...torchMs),
          ratio,
        },
        `lstm native / torch (best thread setting each): ${ratio.toFixed(2)}×`,
      );
    }
  }
}
