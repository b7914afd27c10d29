/**
 * sacreBLEU reproducibility signatures, e.g.
 * `nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`.
 * Shared keys come first in sacreBLEU's order (nrefs, bs, ar, seed), then the
 * metric's own keys, and `version` always last. The short form abbreviates keys.
 */

/** The sacreBLEU release whose behaviour this module reproduces. */
export const SACREBLEU_VERSION = "2.6.0";

export type SigValue = string | number | boolean;

/** Number of references per segment, or "var" when it varies. */
export type NRefs = number | "var";

/** Resampling settings that show up in a signature (`bs:N`, `ar:N`, `seed:S`). */
export interface SigResampling {
  readonly bs?: number;
  readonly ar?: number;
  /** The seed as sacreBLEU prints it: decimal digits, or "none". */
  readonly seed?: string;
}

const SHARED_ABBR: Readonly<Record<string, string>> = {
  version: "v",
  nrefs: "#",
  bs: "bs",
  ar: "ar",
  seed: "rs",
};

/** A metric's own signature fields in order, with their short names. */
export interface MetricSigFields {
  readonly entries: ReadonlyArray<readonly [key: string, value: SigValue]>;
  readonly abbr: Readonly<Record<string, string>>;
}

function show(v: SigValue): string {
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

/** Formats a full signature from the shared fields and the metric's own. */
export function formatSignature(
  nrefs: NRefs,
  fields: MetricSigFields,
  resampling: SigResampling = {},
  short = false,
): string {
  const pairs: Array<[string, SigValue]> = [["nrefs", nrefs]];
  if (resampling.bs !== undefined) pairs.push(["bs", resampling.bs]);
  if (resampling.ar !== undefined) pairs.push(["ar", resampling.ar]);
  if (resampling.seed !== undefined) pairs.push(["seed", resampling.seed]);
  for (const [k, v] of fields.entries) pairs.push([k, v]);
  pairs.push(["version", SACREBLEU_VERSION]);
  return pairs.map(([k, v]) => `${short ? (fields.abbr[k] ?? SHARED_ABBR[k] ?? k) : k}:${show(v)}`).join("|");
}
