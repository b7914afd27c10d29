/**
 * The sweep SPEC (JSON, or a TS/JS module whose default export is the same
 * object): a base config, named variants (a config file and/or `--set`-style
 * overrides), seeds, and overrides for every run. Loading it checks the shape
 * (zod) and turns the first problem into one line that names the key.
 */
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { loadConfig } from "../config/index.js";
import { didYouMean, ReproError } from "../util/errors.js";

/** Variant names become directory names: keep them to safe characters. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const overrides = z.record(z.string().min(1), z.unknown());

const variantSchema = z.strictObject({
  /** Config file of this variant (default: the SPEC's base). */
  config: z.string().min(1).optional(),
  /** Config keys to set (dotted keys reach into dicts, as `--set`). */
  set: overrides.optional(),
});

const specSchema = z.strictObject({
  base: z.string().min(1),
  variants: z.record(
    z.string().regex(NAME, "variant names use letters, digits, '.', '_', '-'"),
    variantSchema,
  ),
  seeds: z.array(z.number().int().nonnegative()).min(1),
  set: overrides.optional(),
  num_epochs: z.number().int().positive().optional(),
  baseline: z.string().optional(),
});

export type SpecVariant = z.infer<typeof variantSchema>;

export interface Variant {
  name: string;
  /** Absolute path of its config file. */
  config: string;
  /** `key=json` overrides in the order train applies them (sweep-wide first). */
  sets: string[];
}

export interface SweepSpec {
  /** Absolute path of the SPEC file. */
  path: string;
  variants: Variant[];
  seeds: number[];
  /** The variant every other one is compared with (default: the first). */
  baseline: string;
}

const KNOWN_KEYS: Record<string, string[]> = {
  "": Object.keys(specSchema.shape),
  variant: Object.keys(variantSchema.shape),
};

/** `base`, `variants.lr2.set` — where an issue is, as the SPEC's keys. */
const where = (path: PropertyKey[]): string => path.map(String).join(".");

/** The first zod issue as one line; an unknown key gets a did-you-mean hint. */
function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const at = where(issue.path);
  if (issue.code === "unrecognized_keys") {
    const inVariant = issue.path.length === 2 && issue.path[0] === "variants";
    const known = KNOWN_KEYS[inVariant ? "variant" : ""] ?? [];
    const key = issue.keys[0];
    const what = inVariant ? `variant "${String(issue.path[1])}"` : at || "the SPEC";
    return `${file}: unknown key "${key}" in ${what}${didYouMean(key, known)} (known: ${known.join(", ")})`;
  }
  if (issue.code === "invalid_key" && issue.path[0] === "variants")
    return `${file}: variant name "${String(issue.path[1])}" is not a directory name (use letters, digits, '.', '_', '-', starting with a letter or digit)`;
  if (issue.code === "invalid_type" && issue.input === undefined) return `${file}: missing key "${at}"`;
  return `${file}: ${at || "the SPEC"}: ${issue.message}`;
}

const toSets = (o: Record<string, unknown> | undefined): string[] =>
  Object.entries(o ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);

/** Checks a parsed SPEC object; paths in it are relative to `file`'s directory. */
export function parseSpec(raw: unknown, file: string): SweepSpec {
  const r = specSchema.safeParse(raw);
  if (!r.success) throw new ReproError(describeIssue(file, r.error.issues[0]));
  const s = r.data;
  const names = Object.keys(s.variants);
  if (names.length === 0) throw new ReproError(`${file}: variants: name at least one variant`);
  const seen = new Set<number>();
  for (const seed of s.seeds) {
    if (seen.has(seed)) throw new ReproError(`${file}: seeds: ${seed} appears more than once`);
    seen.add(seed);
  }
  const baseline = s.baseline ?? names[0];
  if (!names.includes(baseline))
    throw new ReproError(`${file}: baseline "${baseline}" is no variant${didYouMean(baseline, names)}`);
  const dir = dirname(resolve(file));
  const common = [...toSets(s.set), ...(s.num_epochs === undefined ? [] : [`num_epochs=${s.num_epochs}`])];
  return {
    path: resolve(file),
    seeds: s.seeds,
    baseline,
    variants: names.map((name) => {
      const v = s.variants[name];
      return { name, config: resolve(dir, v.config ?? s.base), sets: [...common, ...toSets(v.set)] };
    }),
  };
}

/** Loads a SPEC file (`.json`, or `.ts`/`.js` with a default export). */
export async function loadSpec(file: string): Promise<SweepSpec> {
  const loaded = await loadConfig(file);
  return parseSpec(loaded.config, file);
}
