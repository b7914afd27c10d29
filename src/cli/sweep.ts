/**
 * `repronet sweep SPEC --out DIR [--executor local|slurm] [--jobs N]
 * [--threads N] [--retries N] [--force] [--dry-run] [--slurm "..."]`: trains
 * every variant × seed of a SPEC into `DIR/<variant>/seed-<n>/`; running it
 * again continues the sweep. `repronet sweep status DIR` prints the table of
 * runs and exits 0 only when all are finished (docs/sweep.md).
 */
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { cliEntry, runLocal, type SweepOutcome } from "../sweep/local.js";
import { prepareSweep } from "../sweep/prepare.js";
import { runSlurm } from "../sweep/slurm.js";
import { renderStatus, sweepStatus } from "../sweep/status.js";
import { INTERRUPTED_EXIT_CODE } from "../train/trainer.js";
import { ReproError } from "../util/errors.js";

function count(name: string, min: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min)
      throw new ReproError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return Number(v);
  };
}

interface SweepOptions {
  out?: string;
  executor: string;
  jobs?: number;
  threads?: number;
  retries: number;
  force?: boolean;
  dryRun?: boolean;
  slurm?: string;
  pollSeconds: number;
}

/** Jobs and threads per job: by default jobs × threads ≤ cores. */
export function poolSize(
  runs: number,
  cores: number,
  jobs?: number,
  threads?: number,
): { jobs: number; threads: number } {
  const j = jobs ?? Math.max(1, Math.min(runs, threads ? Math.floor(cores / threads) : cores));
  return { jobs: j, threads: threads ?? Math.max(1, Math.floor(cores / j)) };
}

function report(r: SweepOutcome, total: number, out: (l: string) => void): void {
  out(
    `${r.finished.length} of ${total} runs finished${r.failed.length ? `, failed: ${r.failed.join(", ")}` : ""}`,
  );
  if (r.interrupted)
    throw new ReproError(
      `interrupted: ${r.stopped.length} run(s) stopped; run the same command again to continue`,
      INTERRUPTED_EXIT_CODE,
    );
  if (r.failed.length > 0)
    throw new ReproError(`${r.failed.length} run(s) failed after all retries: ${r.failed.join(", ")}`);
}

export function registerSweep(program: Command, out: (line: string) => void = (l) => console.log(l)): void {
  const sweep = program
    .command("sweep")
    .description("train every variant × seed of a SPEC into DIR/<variant>/seed-<n>/ (locally or on Slurm)")
    .argument("<spec>", "sweep SPEC (.json, or .ts/.js with a default export): base, variants, seeds, set")
    // Not a commander requiredOption: that would also demand it of `sweep status`.
    .option("--out <dir>", "sweep directory (required)")
    .option(
      "--executor <name>",
      "local (a pool of processes here) or slurm (one sbatch --array job)",
      "local",
    )
    .option(
      "--jobs <n>",
      "runs at once (local: default cores / threads; slurm: the array's %limit)",
      count("--jobs", 1),
    )
    .option("--threads <n>", "kernel threads per run (default: cores / jobs)", count("--threads", 1))
    .option("--retries <n>", "start a failed run again up to N times", count("--retries", 0), 1)
    .option("--force", "train runs whose config the SPEC changed again from scratch")
    .option("--dry-run", "check the SPEC and print the train commands without running them")
    .option(
      "--slurm <options>",
      'sbatch options for every task, e.g. "--partition=gpu --time=4:00:00 --mem=8G"',
    )
    .option("--poll-seconds <s>", "slurm: seconds between squeue polls", count("--poll-seconds", 1), 10)
    .action(async (specFile: string, o: SweepOptions) => {
      if (o.out === undefined) throw new ReproError("sweep needs --out DIR (the sweep directory)");
      if (o.executor !== "local" && o.executor !== "slurm")
        throw new ReproError(`--executor must be local or slurm, got "${o.executor}"`);
      if (o.slurm !== undefined && o.executor !== "slurm")
        throw new ReproError("--slurm needs --executor slurm");
      const prepared = await prepareSweep(specFile, o.out, { force: o.force, write: !o.dryRun });
      const { runs } = prepared;
      const pool = poolSize(runs.length, availableParallelism(), o.jobs, o.threads);
      if (o.dryRun) {
        out(
          `${runs.length} runs (${prepared.spec.variants.length} variants × ${prepared.spec.seeds.length} seeds), baseline ${prepared.spec.baseline}`,
        );
        const cli = cliEntry().join(" ");
        for (const r of runs)
          out(`${cli} ${r.trainArgs.map(shellQuote).join(" ")} --threads ${pool.threads}`);
        return;
      }
      const outcome =
        o.executor === "local"
          ? await runLocal(prepared.dir, prepared.manifest, runs, { ...pool, retries: o.retries, out })
          : await runSlurm(prepared.dir, prepared.manifest, runs, {
              jobs: o.jobs,
              threads: o.threads ?? 1,
              retries: o.retries,
              sbatchOptions: o.slurm ?? "",
              pollSeconds: o.pollSeconds,
              out,
            });
      report(outcome, runs.length, out);
    });

  sweep
    .command("status")
    .description("print each run's state, epoch and last score; exit 0 only when all are finished")
    .argument("<dir>", "sweep directory")
    .action((dir: string) => {
      const rows = sweepStatus(dir);
      for (const line of renderStatus(rows)) out(line);
      const open = rows.filter((r) => r.state.state !== "finished").length;
      if (open > 0) throw new ReproError(`${open} of ${rows.length} runs not finished`, 1);
    });
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
