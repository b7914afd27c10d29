/**
 * The run manifest, `OUT/manifest.json` (contract point 8): everything needed
 * to say why two runs differ — framework version and commit (and whether the
 * checkout was dirty), Node and dependency versions, kernels, threads, the
 * resolved config and its hash, seeds, and the learning-rate control's error
 * measure. Written atomically; keys in a fixed order so two manifests diff
 * line by line.
 *
 * The top-level fields describe the latest invocation. `history` lists every
 * invocation on the run directory (a fresh start, then each resume) with its
 * command, config hash, framework version and commit, the checkpoint it
 * resumed from, and how and where it stopped — so a run that was resumed with
 * another config or code version says so.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";
import { ensureDir, manifestPath, withFsErrors } from "./layout.js";

export const MANIFEST_FORMAT = "repronet/manifest/1";

/** `lost`: an earlier invocation that ended without recording how (killed, or the machine went away). */
export type RunOutcome = "running" | "finished" | "interrupted" | "failed" | "lost";

/** One invocation of `train` on a run directory. */
export interface RunRecord {
  started_at: string;
  ended_at: string | null;
  outcome: RunOutcome;
  command: string[];
  config_sha256: string;
  framework: { version: string; commit: string | null; dirty: boolean | null };
  node: string;
  kernels: string;
  threads: number;
  /** The checkpoint it continued from (`epoch.001`, `epoch.003.step.17`), or null for a fresh start. */
  resumed_from: string | null;
  /** Epochs completed and global step when it stopped. */
  stopped_at: { epoch: number; global_step: number } | null;
}

export interface Manifest {
  format: string;
  framework: { name: string; version: string; commit: string | null; dirty: boolean | null };
  node: string;
  platform: string;
  dependencies: Record<string, string>;
  kernels: string;
  threads: number;
  command: string[];
  config: { path: string; sha256: string; resolved: unknown };
  seeds: Record<string, unknown>;
  learning_rate_control: { error_measure: string | null; reason: string };
  /** Epoch of the checkpoint this run resumed from, or null for a fresh run. */
  resumed_from_epoch: number | null;
  started_at: string;
  /** Every invocation on this run directory, oldest first; the last is this one. */
  history: RunRecord[];
}

// --- config rendering ----------------------------------------------------------

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The config as plain JSON: functions become their source text, non-finite
 * numbers strings ("NaN", "Infinity"), undefined entries are dropped, dict
 * keys sorted. This is what the manifest stores and the hash covers.
 */
export function renderConfig(value: unknown): unknown {
  if (typeof value === "function") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : renderConfig(v)));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).sort(byKey)) {
      if (v !== undefined)
        Object.defineProperty(out, k, {
          value: renderConfig(v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  }
  return value;
}

/** `sha256:<hex>` of the rendered config's compact JSON (keys sorted). */
export function configHash(config: unknown): string {
  return `sha256:${createHash("sha256")
    .update(JSON.stringify(renderConfig(config)))
    .digest("hex")}`;
}

// --- framework facts -----------------------------------------------------------

/** The framework's package root: the nearest ancestor of this module with repronet's package.json. */
export function frameworkRoot(from = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "repronet") return dir;
      } catch {
        // not a readable package.json: keep looking
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync("git", ["-C", root, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).trim();
  } catch {
    return null;
  }
}

/** Commit and dirty flag of the framework's own checkout; nulls when it is not one (e.g. installed from npm). */
export function gitState(root: string | null): { commit: string | null; dirty: boolean | null } {
  if (root === null) return { commit: null, dirty: null };
  const top = git(root, ["rev-parse", "--show-toplevel"]);
  // Only the framework's own repository counts, not one that merely contains it (node_modules/repronet).
  if (top === null || realpathSync(top) !== realpathSync(root)) return { commit: null, dirty: null };
  const commit = git(root, ["rev-parse", "HEAD"]);
  const status = git(root, ["status", "--porcelain", "--untracked-files=no"]);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

/** Installed versions of the framework's dependencies (package-lock, else node_modules, else the declared range). */
export function dependencyVersions(root: string | null): Record<string, string> {
  if (root === null) return {};
  const readJson = (p: string): Record<string, unknown> | null => {
    try {
      return JSON.parse(readFileSync(p, "utf8"));
    } catch {
      return null;
    }
  };
  const pkg = readJson(join(root, "package.json")) ?? {};
  const lock = readJson(join(root, "package-lock.json"));
  const lockPkgs = (lock?.packages ?? {}) as Record<string, { version?: string }>;
  const declared = { ...(pkg.dependencies as object), ...(pkg.devDependencies as object) } as Record<
    string,
    string
  >;
  const out: Record<string, string> = {};
  for (const name of Object.keys(declared).sort()) {
    out[name] =
      lockPkgs[`node_modules/${name}`]?.version ??
      (readJson(join(root, "node_modules", name, "package.json"))?.version as string | undefined) ??
      declared[name];
  }
  return out;
}

export function frameworkVersion(root: string | null): string {
  if (root === null) return "unknown";
  try {
    return String(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  } catch {
    return "unknown";
  }
}

// --- building and writing --------------------------------------------------------

export interface ManifestInput {
  config: Record<string, unknown>;
  configPath: string;
  kernels: string;
  threads: number;
  seeds: Record<string, unknown>;
  errorMeasure: { key: string | null; reason: string };
  command?: string[];
  resumedFrom?: number | null;
  /** The name of the checkpoint this run resumed from (for the history). */
  resumedFromCheckpoint?: string | null;
  /** The run directory's manifest before this run, whose history is continued. */
  previous?: Manifest | null;
  /** For tests: where to look for the framework (default: this module's package). */
  root?: string | null;
  now?: Date;
}

export function buildManifest(m: ManifestInput): Manifest {
  const root = m.root === undefined ? frameworkRoot() : m.root;
  const framework = { name: "repronet", version: frameworkVersion(root), ...gitState(root) };
  const started = (m.now ?? new Date()).toISOString();
  const hash = configHash(m.config);
  const record: RunRecord = {
    started_at: started,
    ended_at: null,
    outcome: "running",
    command: m.command ?? [],
    config_sha256: hash,
    framework: { version: framework.version, commit: framework.commit, dirty: framework.dirty },
    node: process.version,
    kernels: m.kernels,
    threads: m.threads,
    resumed_from: m.resumedFromCheckpoint ?? null,
    stopped_at: null,
  };
  return {
    format: MANIFEST_FORMAT,
    framework,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    dependencies: dependencyVersions(root),
    kernels: m.kernels,
    threads: m.threads,
    command: m.command ?? [],
    config: { path: m.configPath, sha256: hash, resolved: renderConfig(m.config) },
    seeds: m.seeds,
    learning_rate_control: { error_measure: m.errorMeasure.key, reason: m.errorMeasure.reason },
    resumed_from_epoch: m.resumedFrom ?? null,
    started_at: started,
    // A previous invocation still "running" was killed before it could say how it ended.
    history: [
      ...previousHistory(m.previous).map((r) =>
        r.outcome === "running" ? { ...r, outcome: "lost" as const } : r,
      ),
      record,
    ],
  };
}

/** The history a previous manifest carries (one written before histories existed counts as one run). */
function previousHistory(prev: Manifest | null | undefined): RunRecord[] {
  if (!prev) return [];
  if (Array.isArray(prev.history)) return prev.history;
  return [
    {
      started_at: prev.started_at,
      ended_at: null,
      outcome: "running",
      command: prev.command ?? [],
      config_sha256: prev.config?.sha256 ?? "",
      framework: {
        version: prev.framework?.version ?? "unknown",
        commit: prev.framework?.commit ?? null,
        dirty: prev.framework?.dirty ?? null,
      },
      node: prev.node,
      kernels: prev.kernels,
      threads: prev.threads,
      resumed_from: null,
      stopped_at: null,
    },
  ];
}

/** The manifest in `outDir`, or null when there is none; a ReproError naming the file when it is corrupt. */
export function readManifest(outDir: string): Manifest | null {
  const path = manifestPath(outDir);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    return withFsErrors(() => {
      throw e;
    }, path);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new ReproError(`${path}: corrupt (not JSON)`);
  }
  if (!m || typeof m !== "object" || m.format !== MANIFEST_FORMAT || !Array.isArray(m.history))
    throw new ReproError(`${path}: corrupt (not a ${MANIFEST_FORMAT} manifest with a history)`);
  return m;
}

/** Records how this run ended (the last history entry) and rewrites the manifest. */
export function finishManifest(
  outDir: string,
  manifest: Manifest,
  outcome: RunOutcome,
  stoppedAt: RunRecord["stopped_at"],
  now: Date = new Date(),
): Manifest {
  const history = manifest.history.slice();
  const last = history.length - 1;
  history[last] = { ...history[last], ended_at: now.toISOString(), outcome, stopped_at: stoppedAt };
  const done = { ...manifest, history };
  writeManifest(outDir, done);
  return done;
}

/** Writes `OUT/manifest.json` atomically. */
export function writeManifest(outDir: string, manifest: Manifest): string {
  ensureDir(outDir, "run directory");
  const path = manifestPath(outDir);
  withFsErrors(() => writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`), path);
  return path;
}

/** Differences between two invocations that can affect training, each named in a few words. */
export interface ManifestChanges {
  /** Config differences, e.g. `learning_rate 0.1 → 0.2` (num_epochs never counts: more epochs continue a run). */
  config: string[];
  /** Environment differences, e.g. `kernels js → native`. */
  environment: string[];
}

/** Compares a run's recorded manifest with a new invocation's (diag/resume-notes.ts implements diff's rules). */
export type CompareManifests = (previous: Manifest, now: Manifest) => ManifestChanges;
