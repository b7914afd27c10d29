/**
 * Runs a RETURNN config as a Python program (python/returnn_import.py) in a
 * child `python3` with a time limit, and reads back its globals as JSON.
 * Every failure is one ReproError line naming the file: python3 missing, the
 * config raising (with its line), the time limit, output that is not the
 * runner's JSON.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ReproError } from "../../util/errors.js";
import { isPlainObject } from "../plain.js";

/** What the runner prints for a config that ran. */
export interface PythonGlobals {
  /** Every global that is plain data (dicts, lists, tuples → lists, numbers, strings, bools, None). */
  globals: Record<string, unknown>;
  /** Globals that are not plain data: name → what they are. */
  unexpressible: Record<string, string>;
  /** Functions and classes the config defines. */
  functions: string[];
  /** The pretrain construction_algo's networks (idx 0, 1, ...), when it is a function. */
  pretrainSteps: Record<string, unknown>[] | null;
  /** Values inside the network that are not data, kept as marker strings. */
  notes: string[];
}

export interface RunOptions {
  /** Seconds before the child is killed. */
  timeoutS: number;
  /** The interpreter (default: $REPRONET_PYTHON or python3). */
  python?: string;
}

/** The runner script, shipped in the package's source tree: next to this file, or (from dist/) in src/. */
export function runnerPath(): string {
  const candidates = ["./python/returnn_import.py", "../../../../src/config/import/python/returnn_import.py"];
  for (const rel of candidates) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("internal: returnn_import.py not found in the package");
}

export function runPythonConfig(file: string, displayName: string, o: RunOptions): PythonGlobals {
  const python = o.python ?? (process.env.REPRONET_PYTHON || "python3");
  const child = spawnSync(python, ["-X", "utf8", runnerPath(), file], {
    encoding: "utf8",
    timeout: o.timeoutS * 1000,
    killSignal: "SIGKILL",
    maxBuffer: 256 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? "", PYTHONHASHSEED: "0", PYTHONDONTWRITEBYTECODE: "1" },
  });
  const err = child.error as NodeJS.ErrnoException | undefined;
  if (err?.code === "ENOENT")
    throw new ReproError(
      `${displayName}: cannot import: "${python}" not found (repronet import needs Python 3)`,
    );
  if (err?.code === "ETIMEDOUT")
    throw new ReproError(
      `${displayName}: did not finish within ${o.timeoutS} s (an endless loop? see --timeout)`,
    );
  if (err) throw new ReproError(`${displayName}: cannot run ${python}: ${err.message}`);
  let out: unknown;
  try {
    out = JSON.parse(child.stdout);
  } catch {
    out = undefined;
  }
  if (!isPlainObject(out)) {
    const last = lastLine(child.stderr) || lastLine(child.stdout) || `exit status ${child.status}`;
    throw new ReproError(`${displayName}: ${python} gave no config (${last})`);
  }
  if (out.ok !== true) {
    const line = typeof out.line === "number" ? `:${out.line}` : "";
    throw new ReproError(`${displayName}${line}: the config raised ${String(out.error)}`);
  }
  return {
    globals: out.globals as Record<string, unknown>,
    unexpressible: out.unexpressible as Record<string, string>,
    functions: out.functions as string[],
    pretrainSteps: (out.pretrain_steps as Record<string, unknown>[] | null) ?? null,
    notes: out.notes as string[],
  };
}

function lastLine(text: string | null): string {
  const lines = (text ?? "").trim().split("\n");
  return lines[lines.length - 1].trim().slice(0, 200);
}
