/**
 * `cleanup_old_models`, RETURNN's rule (Engine.cleanup_old_models): after each
 * saved epoch, delete the checkpoints of epochs that are neither among the last
 * `keep_last_n` (2), nor among the best `keep_best_n` (4) of any score key,
 * nor listed in `keep` (default: RETURNN's pattern of every 4th/20th/40th/80th
 * epoch and 5·2^i / 10·2^i / 20·2^i, depending on the last epoch). Score keys
 * whose value is the same in every epoch are ignored; an epoch without a key
 * (or with a non-finite value) counts as its worst value. Nothing is deleted while there are at most
 * max(keep_last_n, keep_best_n) checkpoints. Checkpoints inside an epoch are
 * never considered.
 */
import { isPlainObject } from "../config/plain.js";
import { didYouMean, ReproError } from "../util/errors.js";

export interface CleanupOptions {
  keepLastN: number;
  keepBestN: number;
  /** Explicit epochs to keep; null: RETURNN's default pattern. */
  keep: readonly number[] | null;
}

const KNOWN = ["keep", "keep_best_n", "keep_last_n"];

/** Reads `cleanup_old_models`: false/unset → null, true → defaults, or a dict. */
export function parseCleanup(value: unknown, where: string): CleanupOptions | null {
  if (value === undefined || value === null || value === false) return null;
  const at = `${where}: cleanup_old_models`;
  if (value !== true && !isPlainObject(value))
    throw new ReproError(
      `${at} must be true or a dict (keep_last_n, keep_best_n, keep), got ${JSON.stringify(value)}`,
    );
  const o = value === true ? {} : value;
  for (const k of Object.keys(o))
    if (!KNOWN.includes(k)) throw new ReproError(`${at}: unknown option "${k}"${didYouMean(k, KNOWN)}`);
  const int = (key: string, fallback: number, min: number): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min)
      throw new ReproError(`${at}: ${key} must be an integer >= ${min}, got ${JSON.stringify(o[key])}`);
    return v;
  };
  const keep = o.keep ?? null;
  if (keep !== null && !(Array.isArray(keep) && keep.every((e) => Number.isSafeInteger(e) && e >= 1)))
    throw new ReproError(`${at}: keep must be a list of epoch numbers, got ${JSON.stringify(keep)}`);
  return { keepLastN: int("keep_last_n", 2, 1), keepBestN: int("keep_best_n", 4, 0), keep };
}

/** RETURNN's default `keep` pattern for a run whose newest epoch is `last`. */
export function defaultKeepPattern(last: number): Set<number> {
  const [every, doubles] =
    last <= 10
      ? [4, 5]
      : last <= 50
        ? [20, 5]
        : last <= 100
          ? [40, 10]
          : [80 * 2 ** Math.ceil(Math.log2(1 + Math.floor(last / 240))), 20];
  const keep = new Set<number>();
  for (let n = every; n <= last; n += every) keep.add(n);
  for (let n = doubles; n <= last; n *= 2) keep.add(n);
  return keep;
}

/**
 * The epochs to delete among `epochs` (those with a checkpoint), given each
 * epoch's scores. Ascending.
 */
export function epochsToDelete(
  epochs: readonly number[],
  scores: ReadonlyMap<number, Readonly<Record<string, number>>>,
  o: CleanupOptions,
): number[] {
  const sorted = [...epochs].sort((a, b) => a - b);
  if (sorted.length === 0 || Math.max(o.keepLastN, o.keepBestN) >= sorted.length) return [];
  const keep = new Set(o.keep ?? defaultKeepPattern(sorted[sorted.length - 1]));
  for (const e of sorted.slice(-o.keepLastN)) keep.add(e);
  const keys = [...new Set([...scores.values()].flatMap((s) => Object.keys(s)))].sort();
  for (const key of keys) {
    const values = sorted
      .map((e) => scores.get(e)?.[key])
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length === 0 || Math.min(...values) === Math.max(...values)) continue;
    const worst = Math.max(...values);
    const ranked = sorted
      .map((e) => [scores.get(e)?.[key], e] as const)
      .map(([v, e]) => [v !== undefined && Number.isFinite(v) ? v : worst, e] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [, e] of ranked.slice(0, o.keepBestN)) keep.add(e);
  }
  return sorted.filter((e) => !keep.has(e));
}
