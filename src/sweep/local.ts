/**
 * The local executor: a bounded pool of `repronet train` child processes,
 * one per run, each with its own log file next to its run directory
 * (`DIR/<variant>/seed-<n>.log`). Finished runs are skipped, interrupted ones
 * resume (train does that from the run directory), failed ones are started
 * again up to `retries` times. The first Ctrl-C (or SIGTERM) sends every
 * worker one SIGINT — each saves a checkpoint at its next step boundary and
 * exits — and starts nothing new; a second one makes them quit at once.
 * Workers run in their own process group so that the terminal's Ctrl-C
 * reaches them only through the sweep (train treats a second SIGINT as "quit
 * now"); they are killed when the sweep exits for any other reason.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import cliProgress from "cli-progress";
import { frameworkRoot } from "../rundir/index.js";
import { countAttempt, type SweepManifest } from "./manifest.js";
import type { PlannedRun } from "./plan.js";
import { readRunState } from "./run-state.js";

export interface LocalOptions {
  jobs: number;
  threads: number;
  retries: number;
  /** One line per finished (or failed) run. */
  out: (line: string) => void;
  /** Show the overall bar (default: when stderr is a terminal). */
  bar?: boolean;
}

export interface SweepOutcome {
  finished: string[];
  failed: string[];
  /** Runs not finished because the sweep was stopped. */
  stopped: string[];
  interrupted: boolean;
}

/** `node bin/repronet.js` of this framework: what each worker runs. */
export function cliEntry(): string[] {
  const root = frameworkRoot();
  if (root === null) throw new Error("repronet's package root not found");
  return [process.execPath, join(root, "bin", "repronet.js")];
}

export const logPath = (run: PlannedRun): string => `${run.dir}.log`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function describeFinished(run: PlannedRun, ms: number): string {
  const st = readRunState(run.dir);
  const score = st.lastScore ? `, ${st.lastScore.key} ${Number(st.lastScore.value.toPrecision(5))}` : "";
  return `finished ${run.id}: epoch ${st.epoch}${score} (${seconds(ms)})`;
}

export async function runLocal(
  sweepDir: string,
  manifest: SweepManifest,
  runs: PlannedRun[],
  o: LocalOptions,
): Promise<SweepOutcome> {
  const result: SweepOutcome = { finished: [], failed: [], stopped: [], interrupted: false };
  const queue: PlannedRun[] = [];
  for (const run of runs) {
    const st = readRunState(run.dir).state;
    if (st === "finished") result.finished.push(run.id);
    else if (st === "running") {
      o.out(`skipped ${run.id}: a train is already running on it`);
      result.stopped.push(run.id);
    } else queue.push(run);
  }
  const showBar = o.bar ?? process.stderr.isTTY === true;
  const bars = showBar
    ? new cliProgress.MultiBar({
        format: "sweep [{bar}] {value}/{total} runs finished",
        hideCursor: true,
        stream: process.stderr,
      })
    : null;
  const bar = bars?.create(runs.length, result.finished.length);
  const say = (line: string) => (bars ? bars.log(`${line}\n`) : o.out(line));
  const tries = new Map<string, number>();
  const live = new Map<ChildProcess, PlannedRun>();
  let signals = 0;
  const onSignal = () => {
    signals++;
    result.interrupted = true;
    if (signals === 1)
      say(`stopping: ${live.size} running train(s) save a checkpoint and exit (again to quit at once)`);
    for (const child of live.keys()) child.kill("SIGINT");
  };
  const killAll = () => {
    for (const child of live.keys()) child.kill("SIGKILL");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", killAll);
  const [node, cli] = cliEntry();

  const start = (run: PlannedRun): Promise<void> =>
    new Promise((done) => {
      mkdirSync(dirname(run.dir), { recursive: true });
      const log = openSync(logPath(run), "a");
      countAttempt(sweepDir, manifest, run.id);
      tries.set(run.id, (tries.get(run.id) ?? 0) + 1);
      const began = Date.now();
      const child = spawn(node, [cli, ...run.trainArgs, "--threads", String(o.threads)], {
        detached: true,
        stdio: ["ignore", log, log],
      });
      closeSync(log);
      live.set(child, run);
      child.on("exit", (code, signal) => {
        live.delete(child);
        if (code === 0) {
          result.finished.push(run.id);
          bar?.increment();
          say(describeFinished(run, Date.now() - began));
        } else if (result.interrupted) {
          result.stopped.push(run.id);
        } else if ((tries.get(run.id) ?? 0) <= o.retries) {
          say(`retrying ${run.id}: train exited with ${signal ?? `code ${code}`} (see ${logPath(run)})`);
          queue.push(run);
        } else {
          result.failed.push(run.id);
          say(`FAILED ${run.id}: train exited with ${signal ?? `code ${code}`} (see ${logPath(run)})`);
        }
        done();
      });
    });

  const worker = async () => {
    while (!result.interrupted && queue.length > 0) await start(queue.shift()!);
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    process.removeListener("exit", killAll);
    bars?.update(); // flushes lines logged since the last redraw
    bars?.stop();
  }
  result.stopped.push(...queue.map((r) => r.id));
  return result;
}
