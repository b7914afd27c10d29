/**
 * The run directory's layout, and the file-system checks every writer and
 * reader of it shares:
 *
 *   D/.lock                  the writer's pid, host and start time (lock.ts)
 *   D/manifest.json          framework, config, seeds, invocation history (manifest.ts)
 *   D/learning_rates.json    every finished epoch's learning rate and scores (learning-rates.ts)
 *   D/train.jsonl            one record per training step (train-jsonl.ts)
 *   D/checkpoints/           epoch.NNN[.step.S][.state].safetensors (checkpoint.ts)
 *   D/broken/                epoch.NNN.broken.safetensors (never loaded as a checkpoint)
 *
 * Every file is written atomically through a temporary `.NAME.tmp-PID` beside
 * it; a writer killed in between leaves one, which the next `train` removes.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ReproError } from "../util/errors.js";

export const lockPath = (dir: string): string => join(dir, ".lock");
export const manifestPath = (dir: string): string => join(dir, "manifest.json");
export const learningRatesPath = (dir: string): string => join(dir, "learning_rates.json");
export const trainJsonlPath = (dir: string): string => join(dir, "train.jsonl");
export const gradsJsonlPath = (dir: string): string => join(dir, "grads.jsonl");
export const checkpointDir = (dir: string): string => join(dir, "checkpoints");
export const brokenDir = (dir: string): string => join(dir, "broken");

/** Why a file-system call failed, in words (for `error:` lines). */
const CAUSES: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory (or a part of its path is not)",
  ENOENT: "no such file or directory",
  EEXIST: "already exists",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "name too long",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** A Node file-system error (it has an errno code). */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && "syscall" in e;
}

/** One line for a file-system error: `PATH: cause (CODE)`; `path` wins over the one the error names. */
export function fsErrorLine(e: NodeJS.ErrnoException, path?: string): string {
  const where = path ?? e.path ?? (e as { dest?: string }).dest ?? "file system";
  const code = e.code ?? "error";
  return `${where}: ${CAUSES[code] ?? e.message.split("\n")[0]} (${code})`;
}

/** Runs `f`, turning a file-system error into a ReproError naming `path` (or the path it names). */
export function withFsErrors<T>(f: () => T, path?: string): T {
  try {
    return f();
  } catch (e) {
    if (isFsError(e)) throw new ReproError(fsErrorLine(e, path));
    throw e;
  }
}

/**
 * Makes sure `dir` is a directory, creating it and missing parents. Walks up
 * to the nearest existing ancestor itself (mkdir's recursive mode loops on
 * some pseudo file systems, e.g. /proc) and names what is in the way.
 */
export function ensureDir(dir: string, what = "directory"): void {
  if (dir === "") throw new ReproError(`the ${what} must not be empty`);
  const missing: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    const kind = kindOf(p);
    if (kind === "dir") break;
    if (kind === "dangling") throw new ReproError(`${p}: a symbolic link to nothing, not a ${what}`);
    if (kind === "other") throw new ReproError(`${p}: not a directory (the ${what} ${dir} needs one there)`);
    if (dirname(p) === p) break;
    missing.push(p);
  }
  for (const p of missing.reverse()) withFsErrors(() => mkdirSync(p), p);
}

function kindOf(p: string): "dir" | "missing" | "dangling" | "other" {
  try {
    return statSync(p).isDirectory() ? "dir" : "other";
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      try {
        lstatSync(p);
        return "dangling";
      } catch {
        return "missing";
      }
    }
    if (code === "ENOTDIR") return "missing"; // a file above it: found on the way up
    throw new ReproError(fsErrorLine(e as NodeJS.ErrnoException, p));
  }
}

/** Temporary files (`.NAME.tmp-PID`) that a killed writer leaves behind. */
export const TEMP_FILE = /^\..+\.tmp-\d+$/;

/** Removes temporary files a killed writer left in the run dir, its checkpoints/ and broken/; returns their paths. */
export function removeTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const d of [dir, checkpointDir(dir), brokenDir(dir)]) {
    if (!existsSync(d) || !statSync(d).isDirectory()) continue;
    for (const f of readdirSync(d)) {
      if (!TEMP_FILE.test(f)) continue;
      withFsErrors(() => rmSync(join(d, f), { force: true }), join(d, f));
      removed.push(join(d, f));
    }
  }
  return removed;
}
