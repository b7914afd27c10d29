/**
 * What `repronet diff` compares: each argument is a run directory (its
 * manifest, learning_rates.json, train.jsonl and checkpoints), a config file
 * (JSON, TS/JS module or RETURNN Python config) or a checkpoint file
 * (safetensors). Run files are read defensively: the trainer may add fields,
 * and a missing or unreadable file is a note, not an error.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname } from "node:path";
import { loadConfig } from "../../config/index.js";
import { checkpointDir, manifestPath, renderConfig } from "../../rundir/index.js";
import { ReproError } from "../../util/errors.js";

export type Json = Record<string, unknown>;

export interface RunInput {
  kind: "run";
  path: string;
  dir: string;
  /** The parsed manifest.json, or null (see notes). */
  manifest: Json | null;
  /** The resolved config recorded in the manifest, or null. */
  config: Json | null;
  notes: string[];
}

export interface ConfigInput {
  kind: "config";
  path: string;
  /** The config as the manifest would record it (functions as source text, keys sorted). */
  config: Json;
}

export interface CheckpointInput {
  kind: "checkpoint";
  path: string;
}

export type Input = RunInput | ConfigInput | CheckpointInput;

export const isPlain = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A JSON file's content, or null with a note when it is missing or does not parse. */
export function readJsonFile(path: string, notes: string[], what: string): unknown {
  if (!existsSync(path)) {
    notes.push(`no ${what}`);
    return null;
  }
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    notes.push(`${what} unreadable (${(e as Error).message.split("\n")[0]})`);
    return null;
  }
}

function loadRun(path: string, dir: string): RunInput {
  const notes: string[] = [];
  const raw = readJsonFile(manifestPath(dir), notes, "manifest.json");
  const manifest = isPlain(raw) ? raw : null;
  if (raw !== null && !manifest) notes.push("manifest.json is not a JSON object");
  const resolved = isPlain(manifest?.config) ? manifest.config.resolved : undefined;
  if (manifest && !isPlain(resolved)) notes.push("manifest.json records no resolved config");
  return { kind: "run", path, dir, manifest, config: isPlain(resolved) ? resolved : null, notes };
}

/** Classifies and loads one argument. Errors are one-line ReproErrors naming the path. */
export async function loadInput(path: string): Promise<Input> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReproError(
      code === "ENOENT" || code === "ENOTDIR"
        ? `${path}: no such file or directory`
        : `${path}: cannot read (${code ?? (e as Error).message})`,
    );
  }
  if (st.isDirectory()) {
    if (existsSync(manifestPath(path)) || existsSync(checkpointDir(path))) return loadRun(path, path);
    // The checkpoints/ folder of a run stands for the run.
    if (basename(path) === "checkpoints" && existsSync(manifestPath(dirname(path))))
      return loadRun(path, dirname(path));
    throw new ReproError(`${path}: not a run directory (no manifest.json or checkpoints/ in it)`);
  }
  if (extname(path).toLowerCase() === ".safetensors") return { kind: "checkpoint", path };
  const loaded = await loadConfig(path);
  return { kind: "config", path, config: renderConfig(loaded.config) as Json };
}
