/** Shared set-up for the sweep tests: a tiny SPEC of the reference example, and run fingerprints. */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fingerprintParams, readParams, resolveParamsFile } from "../../src/rundir/index.js";

const example = (name: string) => resolve("examples", `${name}.json`);

/** 2 variants (base and the zero-eval no-op) × `seeds` of a very small synthetic task. */
export function tinySpec(
  epochs: number,
  seeds: number[] = [1, 2],
  variants: Record<string, unknown> = {
    base: {},
    "zero-eval": { config: example("transformer-zero-eval") },
  },
): Record<string, unknown> {
  return {
    base: example("transformer-base"),
    variants,
    seeds,
    num_epochs: epochs,
    set: { "train.num_seqs": 16, "dev.num_seqs": 8, "train.max_len": 5, "dev.max_len": 5 },
  };
}

export function writeSpec(dir: string, spec: unknown, name = "spec.json"): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return path;
}

/** Fingerprint of a run directory's newest complete checkpoint. */
export const runFingerprint = (runDir: string): string =>
  fingerprintParams(readParams(resolveParamsFile(runDir))).digest;

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI in a child process without blocking the test (so it can be signalled). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ["bin/repronet.js", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<Finished>((res) =>
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
