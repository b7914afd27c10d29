/**
 * Runs one case in the sacreBLEU test-vector format (one JSON object per line of
 * `vectors.jsonl`, produced by running sacreBLEU 2.6.0) and returns the same
 * fields computed here, so the two can be compared field by field.
 */
import { z } from "zod";
import { ReproError } from "../util/errors.js";
import { Bleu, type BleuOptions, formatBleu, parseSmoothMethod } from "./bleu.js";
import { Chrf, type ChrfOptions, formatChrf } from "./chrf.js";
import type { Metric } from "./metric.js";
import { NumpyGenerator, seedSequenceState } from "./numpyRng.js";
import { sumStats } from "./refs.js";
import { parseSeed } from "./seed.js";
import { pairedTest } from "./significance.js";
import { formatTer, Ter, type TerOptions } from "./ter.js";

const refsSchema = z.array(z.array(z.string().nullable()));
const pyOptions = z.record(z.string(), z.unknown());

const corpusCase = z.object({
  id: z.string(),
  metric: z.enum(["bleu", "chrf", "ter"]),
  options: pyOptions.default({}),
  hyps: z.array(z.string()),
  refs: refsSchema,
});

const pairedCase = z.object({
  id: z.string(),
  metric: z.enum(["paired_bs", "paired_ar"]),
  n_samples: z.number().int().nonnegative().default(0),
  env_SACREBLEU_SEED: z.string().default("12345"),
  metrics: z.record(
    z.string(),
    z.object({ class: z.enum(["BLEU", "CHRF", "TER"]), options: pyOptions.default({}) }),
  ),
  systems: z.array(z.object({ name: z.string(), hyps: z.array(z.string()) })).min(2),
  refs: refsSchema,
});

const rngCase = z.object({
  id: z.string(),
  metric: z.literal("rng"),
  seed: z.union([z.number(), z.string()]),
});

export type VectorCase = Record<string, unknown>;

function opt<T>(
  o: Record<string, unknown>,
  key: string,
  kind: "boolean" | "number" | "string",
): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== kind) throw new ReproError(`option "${key}" must be a ${kind}, got ${JSON.stringify(v)}`);
  return v as T;
}

function checkKeys(o: Record<string, unknown>, known: readonly string[], what: string): void {
  for (const k of Object.keys(o).sort()) {
    if (!known.includes(k))
      throw new ReproError(`unknown ${what} option "${k}" (known: ${known.join(", ")})`);
  }
}

/** BLEU options from sacreBLEU's Python keyword names. */
export function bleuOptionsFromPy(o: Record<string, unknown>): BleuOptions {
  checkKeys(
    o,
    ["tokenize", "smooth_method", "smooth_value", "lowercase", "effective_order", "max_ngram_order"],
    "BLEU",
  );
  const method = opt<string>(o, "smooth_method", "string");
  return {
    tokenize: opt(o, "tokenize", "string"),
    smoothMethod: method === undefined ? undefined : parseSmoothMethod(method),
    smoothValue: opt(o, "smooth_value", "number") ?? null,
    lowercase: opt(o, "lowercase", "boolean"),
    effectiveOrder: opt(o, "effective_order", "boolean"),
    maxNgramOrder: opt(o, "max_ngram_order", "number"),
  };
}

/** chrF options from sacreBLEU's Python keyword names. */
export function chrfOptionsFromPy(o: Record<string, unknown>): ChrfOptions {
  checkKeys(o, ["char_order", "word_order", "beta", "lowercase", "whitespace", "eps_smoothing"], "chrF");
  return {
    charOrder: opt(o, "char_order", "number"),
    wordOrder: opt(o, "word_order", "number"),
    beta: opt(o, "beta", "number"),
    lowercase: opt(o, "lowercase", "boolean"),
    whitespace: opt(o, "whitespace", "boolean"),
    epsSmoothing: opt(o, "eps_smoothing", "boolean"),
  };
}

/** TER options from sacreBLEU's Python keyword names. */
export function terOptionsFromPy(o: Record<string, unknown>): TerOptions {
  checkKeys(o, ["normalized", "no_punct", "asian_support", "case_sensitive"], "TER");
  return {
    normalized: opt(o, "normalized", "boolean"),
    noPunct: opt(o, "no_punct", "boolean"),
    asianSupport: opt(o, "asian_support", "boolean"),
    caseSensitive: opt(o, "case_sensitive", "boolean"),
  };
}

function parseCase<T>(schema: z.ZodType<T>, c: VectorCase): T {
  const r = schema.safeParse(c);
  if (!r.success) {
    const issue = r.error.issues[0];
    const id = typeof c.id === "string" ? c.id : "?";
    throw new ReproError(`vector case "${id}": field "${issue.path.join(".")}": ${issue.message}`);
  }
  return r.data;
}

function runBleu(c: z.infer<typeof corpusCase>): Record<string, unknown> {
  const bleu = new Bleu(bleuOptionsFromPy(c.options));
  const { rows, nrefs } = bleu.corpusStats(c.hyps, c.refs);
  const s = bleu.fromStats(sumStats(rows, bleu.statWidth));
  return {
    id: c.id,
    score: s.score,
    counts: s.counts,
    totals: s.totals,
    precisions: s.precisions,
    bp: s.bp,
    sys_len: s.sys_len,
    ref_len: s.ref_len,
    formatted: formatBleu(s),
    signature: bleu.signature(nrefs),
    signature_short: bleu.signature(nrefs, {}, true),
    seg_stats: rows,
    tok_hyps: c.hyps.map((h) => bleu.preprocess(h)),
    tok_refs: c.refs.map((stream) => stream.map((r) => (r === null ? null : bleu.preprocess(r)))),
  };
}

function runChrf(c: z.infer<typeof corpusCase>): Record<string, unknown> {
  const chrf = new Chrf(chrfOptionsFromPy(c.options));
  const { rows, nrefs } = chrf.corpusStats(c.hyps, c.refs);
  const score = chrf.scoreFromStats(sumStats(rows, chrf.statWidth));
  return {
    id: c.id,
    score,
    name: chrf.name,
    formatted: formatChrf(chrf.name, score),
    signature: chrf.signature(nrefs),
    signature_short: chrf.signature(nrefs, {}, true),
    seg_stats: rows,
  };
}

function runTer(c: z.infer<typeof corpusCase>): Record<string, unknown> {
  const ter = new Ter(terOptionsFromPy(c.options));
  const { segments, nrefs } = ter.corpusSegments(c.hyps, c.refs);
  const rows = segments.map((s) => [...s.stats]);
  const sums = sumStats(rows, 2);
  const score = ter.scoreFromStats(sums);
  return {
    id: c.id,
    score,
    num_edits: sums[0],
    ref_length: sums[1],
    formatted: formatTer(score),
    signature: ter.signature(nrefs),
    signature_short: ter.signature(nrefs, {}, true),
    seg_stats: rows,
    tok_hyps: c.hyps.map((h) => ter.preprocess(h)),
    tok_refs: c.refs.map((stream) => stream.map((r) => (r === null ? null : ter.preprocess(r)))),
    ter_pair_details: segments.flatMap((s, seg) =>
      s.pairs.map((p) => ({
        seg,
        edits: p.edits,
        shifts: p.shifts,
        candidate_cap_hit: p.checked >= 1000,
        checked_candidates: p.checked,
      })),
    ),
  };
}

/** A metric object from a paired case's `{class, options}` entry. */
function metricFromPy(cls: "BLEU" | "CHRF" | "TER", options: Record<string, unknown>): Metric {
  if (cls === "BLEU") return new Bleu(bleuOptionsFromPy(options));
  if (cls === "CHRF") return new Chrf(chrfOptionsFromPy(options));
  return new Ter(terOptionsFromPy(options));
}

function sumRows<T extends ArrayLike<number>>(rows: readonly T[]): number {
  let s = 0;
  for (const r of rows) for (let i = 0; i < r.length; i++) s += r[i];
  return s;
}

function runPaired(c: z.infer<typeof pairedCase>): Record<string, unknown> {
  const testType = c.metric === "paired_bs" ? "bs" : "ar";
  const seed = parseSeed(c.env_SACREBLEU_SEED, "SACREBLEU_SEED");
  const metrics = Object.keys(c.metrics).map((k) => metricFromPy(c.metrics[k].class, c.metrics[k].options));
  const out = pairedTest(c.systems, metrics, c.refs, { testType, nSamples: c.n_samples, seed });
  const n = c.n_samples > 0 ? c.n_samples : testType === "bs" ? 1000 : 10000;
  const nSeg = c.systems[0].hyps.length;
  let rngCheck: Record<string, unknown> = {};
  if (seed.value !== null) {
    const gen = new NumpyGenerator(seed.value);
    if (testType === "bs") {
      const idxs = gen.choice(nSeg, n, nSeg);
      rngCheck = {
        first_rows_of_choice: idxs.slice(0, 2).map((r) => Array.from(r)),
        sum_of_all_indices: sumRows(idxs),
      };
    } else {
      const mask = gen.boolMask(n, nSeg);
      rngCheck = {
        first_rows_of_bool_mask: mask.slice(0, 2).map((r) => Array.from(r)),
        sum_of_mask: sumRows(mask),
      };
    }
  }
  return { id: c.id, signatures: out.signatures, results: out.results, rng_check: rngCheck };
}

function runRng(c: z.infer<typeof rngCase>): Record<string, unknown> {
  const seed = BigInt(c.seed);
  const gen = new NumpyGenerator(seed);
  const { state, inc } = gen.rawState;
  const raw = [gen.next64(), gen.next64(), gen.next64(), gen.next64()];
  return {
    id: c.id,
    seedsequence_generate_state_4_uint64: seedSequenceState(seed).map(String),
    pcg64_state_after_seeding: { state: String(state), inc: String(inc) },
    first_4_raw_uint64: raw.map(String),
    choice_60_first_20: Array.from(new NumpyGenerator(seed).choice(60, 1, 20)[0]),
    choice_3_first_20: Array.from(new NumpyGenerator(seed).choice(3, 1, 20)[0]),
  };
}

/**
 * Computes one vector case. Corpus cases (`bleu`, `chrf`, `ter`) yield `id`,
 * `score`, `signature` and the metric's own fields; paired cases (`paired_bs`,
 * `paired_ar`) yield `signatures`, `results` and `rng_check`; `rng` cases the
 * generator's check values.
 */
export function runVectorCase(c: VectorCase): Record<string, unknown> {
  switch (c.metric) {
    case "bleu":
      return runBleu(parseCase(corpusCase, c));
    case "chrf":
      return runChrf(parseCase(corpusCase, c));
    case "ter":
      return runTer(parseCase(corpusCase, c));
    case "paired_bs":
    case "paired_ar":
      return runPaired(parseCase(pairedCase, c));
    case "rng":
      return runRng(parseCase(rngCase, c));
    default:
      throw new ReproError(
        `vector case "${String(c.id)}": unknown metric ${JSON.stringify(c.metric)} (known: bleu, chrf, ter, paired_bs, paired_ar, rng)`,
      );
  }
}
