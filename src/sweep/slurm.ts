/**
 * The Slurm executor: one `sbatch --array` script per sweep
 * (`DIR/slurm/sweep.sbatch`; array task i trains run i of `sweep.json`),
 * submitted with the user's `--slurm` options. It polls `squeue` until the
 * tasks leave the queue, then reads each task's run directory: a finished run
 * is done, any other (failed, cancelled, preempted, timed out) is submitted
 * again — it resumes from its newest checkpoint, and exact resume makes that
 * free — up to `retries` times. `sacct` only adds Slurm's word for how a task
 * ended to the messages; without accounting storage the run directory alone
 * decides. Job ids are recorded in `sweep.json`.
 *
 * Ctrl-C stops the polling only: the submitted jobs keep running on the
 * cluster (`repronet sweep status` follows them, `scancel` stops them).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";
import { cliEntry, logPath, type SweepOutcome } from "./local.js";
import { type SweepManifest, writeSweepManifest } from "./manifest.js";
import type { PlannedRun } from "./plan.js";
import { readRunState } from "./run-state.js";

export interface SlurmOptions {
  /** At most this many tasks at once (the array's `%` limit). */
  jobs?: number;
  threads: number;
  retries: number;
  /** Passed to sbatch as they are (split at spaces). */
  sbatchOptions: string;
  pollSeconds: number;
  out: (line: string) => void;
}

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The array job script: task i runs `train` for `runs[i]`, appending to its log. */
export function sbatchScript(dir: string, runs: PlannedRun[], threads: number): string {
  const cli = cliEntry().map(q).join(" ");
  const cases = runs.map((r, i) => `  ${i}) args=(${r.trainArgs.map(q).join(" ")}); log=${q(logPath(r))} ;;`);
  return [
    "#!/bin/bash",
    "#SBATCH --job-name=repronet-sweep",
    `#SBATCH --output=${join(dir, "slurm", "%A_%a.out")}`,
    `#SBATCH --cpus-per-task=${threads}`,
    "# Written by `repronet sweep --executor slurm`: array task i trains run i of sweep.json.",
    "set -u",
    `cd ${q(process.cwd())}`,
    'case "$SLURM_ARRAY_TASK_ID" in',
    ...cases,
    '  *) echo "no run for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
    "esac",
    'mkdir -p "$(dirname "$log")"',
    `${cli} "\${args[@]}" --threads ${threads} >>"$log" 2>&1 &`,
    "pid=$!",
    "# A cancelled or preempted task gets SIGTERM: ask train to save a checkpoint (SIGINT) first.",
    "trap 'kill -INT $pid 2>/dev/null' TERM INT",
    "wait $pid; rc=$?",
    "while kill -0 $pid 2>/dev/null; do wait $pid; rc=$?; done",
    "exit $rc",
    "",
  ].join("\n");
}

function slurm(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT")
      throw new ReproError(`${cmd} not found: the Slurm executor needs the Slurm client tools on the PATH`);
    const why = (err.stderr ?? "").trim().split("\n").pop() || err.message;
    throw new ReproError(`${cmd} ${args.join(" ")}: ${why}`);
  }
}

/** Array task ids of `job` still in the queue (pending, running, completing). */
function queuedTasks(job: string): Set<number> | null {
  let text: string;
  try {
    text = slurm("squeue", ["-h", "-r", "-j", job, "-o", "%i"]);
  } catch (e) {
    // squeue forgets a job soon after it ends ("Invalid job id"): nothing queued.
    if (e instanceof ReproError && /invalid job id/i.test(e.message)) return new Set();
    return null; // the controller did not answer: try again at the next poll
  }
  const ids = new Set<number>();
  for (const line of text.split("\n")) {
    const m = /^\d+_(\d+)$/.exec(line.trim());
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

/** Slurm's final state of each array task, when accounting is there to tell it. */
function accountedStates(job: string): Map<number, string> {
  const out = new Map<number, string>();
  try {
    for (const line of slurm("sacct", ["-n", "-P", "-X", "-j", job, "-o", "JobID,State"]).split("\n")) {
      const m = /^\d+_(\d+)\|(\S+)/.exec(line.trim());
      if (m) out.set(Number(m[1]), m[2]);
    }
  } catch {
    // no accounting storage (sacct refuses): the run directory decides
  }
  return out;
}

/** Waits `s` seconds, or less when `stop` aborts; leaves no listener behind (it is called once per poll). */
const sleep = (s: number, stop: AbortSignal) =>
  new Promise<void>((done) => {
    const finish = () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", finish);
      done();
    };
    const timer = setTimeout(finish, s * 1000);
    stop.addEventListener("abort", finish, { once: true });
  });

export async function runSlurm(
  sweepDir: string,
  manifest: SweepManifest,
  runs: PlannedRun[],
  o: SlurmOptions,
): Promise<SweepOutcome> {
  const result: SweepOutcome = { finished: [], failed: [], stopped: [], interrupted: false };
  const script = join(sweepDir, "slurm", "sweep.sbatch");
  mkdirSync(join(sweepDir, "slurm"), { recursive: true });
  writeFileAtomic(script, sbatchScript(sweepDir, runs, o.threads));
  const index = new Map(runs.map((r, i) => [r, i]));
  const tries = new Map<string, number>();
  const extra = o.sbatchOptions.split(/\s+/).filter((s) => s !== "");

  const submit = (todo: PlannedRun[]): { job: string; tasks: Map<number, PlannedRun> } => {
    const ids = todo.map((r) => index.get(r)!);
    const limit = o.jobs ? `%${o.jobs}` : "";
    const job = slurm("sbatch", ["--parsable", `--array=${ids.join(",")}${limit}`, ...extra, script])
      .trim()
      .split(";")[0];
    for (const r of todo) {
      tries.set(r.id, (tries.get(r.id) ?? 0) + 1);
      const rec = manifest.runs.find((x) => x.id === r.id);
      if (rec) rec.attempts++;
    }
    manifest.slurm_jobs.push({
      job_id: job,
      runs: todo.map((r) => r.id),
      submitted_at: new Date().toISOString(),
    });
    writeSweepManifest(sweepDir, manifest);
    o.out(`submitted job ${job}: ${todo.length} task(s) (${script})`);
    return { job, tasks: new Map(todo.map((r) => [index.get(r)!, r])) };
  };

  const stop = new AbortController();
  const onSignal = () => {
    result.interrupted = true;
    stop.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    let todo: PlannedRun[] = [];
    for (const r of runs) {
      if (readRunState(r.dir).state === "finished") result.finished.push(r.id);
      else todo.push(r);
    }
    // Submitted tasks not yet seen to end, by job; a task that needs another try is resubmitted at once.
    const active = new Map<string, Map<number, PlannedRun>>();
    while ((todo.length > 0 || active.size > 0) && !result.interrupted) {
      if (todo.length > 0) {
        const { job, tasks } = submit(todo);
        active.set(job, tasks);
        todo = [];
      }
      await sleep(o.pollSeconds, stop.signal);
      for (const [job, tasks] of active) {
        if (result.interrupted) break;
        const queued = queuedTasks(job);
        if (queued === null) continue;
        const ended = [...tasks].filter(([i]) => !queued.has(i));
        const states = ended.length > 0 ? accountedStates(job) : new Map<number, string>();
        for (const [i, run] of ended) {
          tasks.delete(i);
          const st = readRunState(run.dir);
          const how = states.get(i) ?? st.state;
          if (st.state === "finished") {
            result.finished.push(run.id);
            o.out(`finished ${run.id}: epoch ${st.epoch} (job ${job}_${i})`);
          } else if ((tries.get(run.id) ?? 0) <= o.retries) {
            o.out(`resubmitting ${run.id}: task ${job}_${i} ended ${how} at epoch ${st.epoch}`);
            todo.push(run);
          } else {
            result.failed.push(run.id);
            o.out(`FAILED ${run.id}: task ${job}_${i} ended ${how} (see ${logPath(run)})`);
          }
        }
        if (tasks.size === 0) active.delete(job);
      }
    }
    for (const tasks of active.values()) result.stopped.push(...[...tasks.values()].map((r) => r.id));
    result.stopped.push(...todo.map((r) => r.id));
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  if (result.interrupted)
    o.out(
      `stopped polling; the submitted Slurm jobs keep running (repronet sweep status ${sweepDir}; scancel to stop them)`,
    );
  return result;
}
