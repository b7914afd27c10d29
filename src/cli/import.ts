/**
 * `repronet import CONFIG [--out FILE.json] [--timeout S]`: runs a RETURNN
 * config as the Python program it is (python3, stub `returnn`/`tensorflow`
 * modules, no network, a time limit) and writes the plain JSON repronet
 * config it amounts to — to stdout, or to --out. What could not be carried
 * over is listed on stderr, one note per name. The same file gives the same
 * bytes every time.
 */
import { statSync } from "node:fs";
import type { Command } from "commander";
import { mapReturnnGlobals } from "../config/import/map.js";
import { runPythonConfig } from "../config/import/run.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";

export interface ImportIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: ImportIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new ReproError(`--timeout must be a positive number of seconds, got "${value}"`);
  return n;
}

/** The JSON text `repronet import` writes for a config file, and its notes. */
export function importReturnnConfig(path: string, timeoutS = 60): { json: string; notes: string[] } {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new ReproError(`${path}: no such file`);
  }
  if (!isFile) throw new ReproError(`${path}: not a regular file`);
  if (path.toLowerCase().endsWith(".json"))
    throw new ReproError(`${path}: already a JSON config (repronet train reads it as it is)`);
  const { config, notes } = mapReturnnGlobals(runPythonConfig(path, path, { timeoutS }), path);
  return { json: `${JSON.stringify(config, null, 2)}\n`, notes };
}

export function registerImport(program: Command, io: ImportIo = defaultIo): void {
  program
    .command("import")
    .description("run a RETURNN config (Python) and write the repronet JSON config it amounts to")
    .argument("<config>", "RETURNN config file (.config, .py)")
    .option("--out <file>", "write the JSON config here (default: stdout)")
    .option("--timeout <seconds>", "time limit for running the config", parseTimeout, 60)
    .action((configPath: string, o: { out?: string; timeout: number }) => {
      const { json, notes } = importReturnnConfig(configPath, o.timeout);
      for (const note of notes) io.stderr(`${note}\n`);
      if (o.out) writeFileAtomic(o.out, json);
      else io.stdout(json);
    });
}
