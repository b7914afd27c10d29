/**
 * `repronet sweep status DIR`: one row per run (variant × seed) with its
 * state, last finished epoch and last error-measure score, read from the run
 * directories the sweep manifest lists.
 */
import { join } from "node:path";
import { ReproError } from "../util/errors.js";
import { readSweepManifest } from "./manifest.js";
import { type RunState, readRunState } from "./run-state.js";

export interface StatusRow {
  id: string;
  variant: string;
  seed: number;
  state: RunState;
}

export function sweepStatus(dir: string): StatusRow[] {
  const m = readSweepManifest(dir);
  if (m === null) throw new ReproError(`${dir}: no sweep.json (not a directory written by repronet sweep)`);
  return m.runs.map((r) => ({
    id: r.id,
    variant: r.variant,
    seed: r.seed,
    state: readRunState(join(dir, r.id)),
  }));
}

/** The rows as an aligned text table plus a summary line. */
export function renderStatus(rows: StatusRow[]): string[] {
  const cells = rows.map((r) => [
    r.variant,
    String(r.seed),
    r.state.state,
    String(r.state.epoch),
    r.state.lastScore ? String(Number(r.state.lastScore.value.toPrecision(6))) : "-",
  ]);
  const key = rows.find((r) => r.state.lastScore)?.state.lastScore?.key;
  const head = ["variant", "seed", "state", "epoch", key ? `last ${key}` : "last score"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state.state, (counts.get(r.state.state) ?? 0) + 1);
  const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  return [line(head), ...cells.map(line), "", `${rows.length} runs: ${summary}`];
}
