/**
 * The fault-injection suite's tools: the CLI of this build in a child
 * process, a tiny transformer run (a few steps per epoch, about a second),
 * and the checks every case makes — exactly one `error:` line and no stack
 * trace, the exit code, and that nothing the run had before is lost.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../train/cli-main.js", import.meta.url));
export const CONFIG = "examples/transformer-base.json";

const dataset = (n: number, seed: number) =>
  JSON.stringify({
    class: "synthetic",
    task: "reverse",
    num_seqs: n,
    vocab_size: 24,
    min_len: 3,
    max_len: 6,
    seed,
  });

/** `--set` arguments for a tiny run: 2 steps per epoch, a 2-sentence dev set. */
export function tiny(numEpochs: number, ...more: string[]): string[] {
  const sets = [
    `train=${dataset(8, 1)}`,
    `dev=${dataset(2, 2)}`,
    "max_seqs=4",
    `num_epochs=${numEpochs}`,
    ...more,
  ];
  return sets.flatMap((s) => ["--set", s]);
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  done: Promise<Result>;
  /** Resolves once stdout has matched `re`. */
  waitFor(re: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `repronet ARGS` (this build) in a child process. */
export function start(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters.splice(0))
      if (w.re.test(stdout)) w.resolve();
      else waiters.push(w);
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<Result>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    done,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        if (re.test(stdout)) return resolve();
        waiters.push({ re, resolve });
        done.then(() => reject(new Error(`exited before ${re}: ${stdout}\n${stderr}`)));
      }),
    kill: (signal) => child.kill(signal),
  };
}

/** Runs `repronet ARGS` to its end. */
export const repronet = (args: string[], env: Record<string, string> = {}): Promise<Result> =>
  start(args, env).done;

export const work = (name: string) => mkdtempSync(join(tmpdir(), `repronet-faults-${name}-`));

/** Trains a tiny run of `epochs` epochs into a fresh directory once; each case gets a copy. */
export async function baseRun(epochs: number): Promise<() => string> {
  const root = work("base");
  const base = join(root, "run");
  const r = await repronet(["train", CONFIG, "--out", base, ...tiny(epochs)]);
  assert.equal(r.code, 0, r.stderr);
  let n = 0;
  return () => {
    const copy = join(root, `copy${++n}`);
    cpSync(base, copy, { recursive: true });
    return copy;
  };
}

/** Exactly one line `error: ...` on stderr, matching `re`, and no stack trace; and the exit code. */
export function assertFails(r: Result, re: RegExp, code = 1): void {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  const errors = lines.filter((l) => l.startsWith("error: "));
  assert.equal(errors.length, 1, `one error line expected:\n${r.stderr}`);
  assert.match(errors[0], re);
  assert.ok(!/^\s+at /m.test(r.stderr), `stack trace:\n${r.stderr}`);
  assert.equal(r.code, code, r.stderr);
}

/** SHA-256 of every file under `dir`, by relative path. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Every file of `before` is still in `dir` with the same bytes (`except` may have changed). */
export function assertKept(before: Map<string, string>, dir: string, except: RegExp = /^$/): void {
  const now = snapshot(dir);
  for (const [path, hash] of before) {
    if (except.test(path)) continue;
    assert.equal(now.get(path), hash, `${path} lost or changed`);
  }
}

/** The run's invocation history: outcome per invocation. */
export const outcomes = (dir: string): string[] =>
  JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).history.map(
    (h: { outcome: string }) => h.outcome,
  );
