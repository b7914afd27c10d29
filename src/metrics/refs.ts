/**
 * Reference streams as sacreBLEU takes them: `refs[k][i]` is the k-th reference
 * of segment i; `null` marks a missing reference (skipped, signature `nrefs:var`).
 */
import { ReproError } from "../util/errors.js";
import type { NRefs } from "./signature.js";

export type RefStreams = ReadonlyArray<ReadonlyArray<string | null>>;

/** References regrouped per segment, missing ones dropped, plus the signature's nrefs. */
export interface SegmentRefs {
  readonly perSegment: string[][];
  readonly nrefs: NRefs;
}

/** Regroups `refs` per segment; every stream must have `nSegments` lines. */
export function groupRefs(refs: RefStreams, nSegments: number): SegmentRefs {
  if (refs.length === 0) throw new ReproError("no reference stream given");
  refs.forEach((stream, k) => {
    if (stream.length !== nSegments) {
      throw new ReproError(
        `reference stream ${k + 1} has ${stream.length} segments but the hypotheses have ${nSegments}`,
      );
    }
  });
  const counts = new Set<number>();
  const perSegment: string[][] = [];
  for (let i = 0; i < nSegments; i++) {
    const lines: string[] = [];
    for (const stream of refs) {
      const r = stream[i];
      if (r !== null && r !== undefined) lines.push(r);
    }
    counts.add(lines.length);
    perSegment.push(lines);
  }
  const nrefs: NRefs = counts.size === 1 ? [...counts][0] : counts.size === 0 ? refs.length : "var";
  return { perSegment, nrefs };
}

/** Python `sum_of_lists`: element-wise sums of the segment statistics, in segment order. */
export function sumStats(rows: ReadonlyArray<readonly number[]>, width: number): number[] {
  if (rows.length === 1) return [...rows[0]];
  const out = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) out[j] += row[j];
  return out;
}
