/**
 * `repronet score`: sacreBLEU 2.6-compatible BLEU / chrF / TER scoring with
 * paired significance tests, mirroring sacreBLEU's command line:
 *
 *   repronet score REF... -i HYP... -m bleu chrf ter [-tok 13a] [-lc] [--paired-bs] [-f json|text]
 *   repronet score --vectors FILE.jsonl
 */
import { readFileSync } from "node:fs";
import { Command, type ParseOptionsResult } from "commander";
import { Bleu } from "../metrics/bleu.js";
import { Chrf } from "../metrics/chrf.js";
import { readLines } from "../metrics/lines.js";
import type { Metric } from "../metrics/metric.js";
import { buildReport, renderJson, renderText } from "../metrics/report.js";
import { DEFAULT_SEED_TEXT, parseSeed } from "../metrics/seed.js";
import type { NamedSystem, PairedTestType } from "../metrics/significance.js";
import { Ter } from "../metrics/ter.js";
import { runVectorCase } from "../metrics/vectors.js";
import { ErrorRate } from "../metrics/wer.js";
import { didYouMean, ReproError } from "../util/errors.js";

/** Where the command writes, and the environment it reads `SACREBLEU_SEED` from. */
export interface ScoreIo {
  readonly stdout: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultIo: ScoreIo = { stdout: (t) => process.stdout.write(t), env: process.env };

export interface ScoreOptions {
  readonly refs: readonly string[];
  readonly input?: readonly string[];
  readonly metrics?: readonly string[];
  readonly numRefs?: number;
  readonly tokenize?: string;
  readonly smoothMethod?: string;
  readonly smoothValue?: number;
  readonly lowercase?: boolean;
  readonly chrfCharOrder?: number;
  readonly chrfWordOrder?: number;
  readonly chrfBeta?: number;
  readonly chrfWhitespace?: boolean;
  readonly chrfLowercase?: boolean;
  readonly chrfEpsSmoothing?: boolean;
  readonly terCaseSensitive?: boolean;
  readonly terAsianSupport?: boolean;
  readonly terNoPunct?: boolean;
  readonly terNormalized?: boolean;
  readonly pairedBs?: boolean;
  readonly pairedAr?: boolean;
  readonly pairedBsN?: number;
  readonly pairedArN?: number;
  /** Overrides `SACREBLEU_SEED`. */
  readonly seed?: string;
  readonly format?: string;
  readonly width?: number;
  readonly short?: boolean;
  readonly vectors?: string;
}

const METRIC_NAMES = ["bleu", "chrf", "ter", "wer", "cer"] as const;
const FORMATS = ["json", "text"] as const;

/** sacreBLEU's multi-letter short flags, which commander cannot declare, mapped to long ones. */
const LEGACY_FLAGS: Readonly<Record<string, string>> = {
  "-tok": "--tokenize",
  "-lc": "--lowercase",
  "-sv": "--smooth-value",
  "-nr": "--num-refs",
  "-cc": "--chrf-char-order",
  "-cw": "--chrf-word-order",
  "-pbs": "--paired-bs",
  "-par": "--paired-ar",
  "-pbsn": "--paired-bs-n",
  "-parn": "--paired-ar-n",
  "-sh": "--short",
};

/** A command that accepts sacreBLEU's multi-letter short flags (`-tok 13a`, `-lc`, `-pbsn 100`). */
class SacrebleuStyleCommand extends Command {
  override parseOptions(argv: string[]): ParseOptionsResult {
    const end = argv.indexOf("--");
    const mapped = argv.map((a, i) => (end >= 0 && i > end ? a : (LEGACY_FLAGS[a] ?? a)));
    return super.parseOptions(mapped);
  }
}

function intArg(name: string, min: number): (v: string) => number {
  return (v: string) => {
    if (!/^[0-9]+$/.test(v.trim()) || Number(v) < min) {
      throw new ReproError(`option ${name} needs an integer >= ${min}, got "${v}"`);
    }
    return Number(v);
  };
}

function floatArg(name: string): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x))
      throw new ReproError(`option ${name} needs a number, got "${v}"`);
    return x;
  };
}

function parseMetricName(name: string): (typeof METRIC_NAMES)[number] {
  const n = name.toLowerCase();
  if ((METRIC_NAMES as readonly string[]).includes(n)) return n as (typeof METRIC_NAMES)[number];
  throw new ReproError(
    `unknown metric "${name}" for -m/--metrics (known: ${METRIC_NAMES.join(", ")})${didYouMean(n, METRIC_NAMES)}`,
  );
}

/** The metrics to compute: in the order given for paired tests, else sorted as sacreBLEU does. */
function buildMetrics(opts: ScoreOptions, paired: boolean): Metric[] {
  const names = (opts.metrics?.length ? opts.metrics : ["bleu"]).map(parseMetricName);
  if (!paired) names.sort();
  const seen = new Set<string>();
  const metrics: Metric[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    if (name === "bleu") {
      metrics.push(
        new Bleu({
          tokenize: opts.tokenize,
          smoothMethod: opts.smoothMethod as Bleu["smoothMethod"] | undefined,
          smoothValue: opts.smoothValue ?? null,
          lowercase: opts.lowercase,
        }),
      );
    } else if (name === "chrf") {
      metrics.push(
        new Chrf({
          charOrder: opts.chrfCharOrder,
          wordOrder: opts.chrfWordOrder,
          beta: opts.chrfBeta,
          whitespace: opts.chrfWhitespace,
          lowercase: opts.chrfLowercase,
          epsSmoothing: opts.chrfEpsSmoothing,
        }),
      );
    } else if (name === "wer" || name === "cer") {
      metrics.push(new ErrorRate(name === "wer" ? "word" : "char"));
    } else {
      metrics.push(
        new Ter({
          normalized: opts.terNormalized,
          noPunct: opts.terNoPunct,
          asianSupport: opts.terAsianSupport,
          caseSensitive: opts.terCaseSensitive,
        }),
      );
    }
  }
  return metrics;
}

/** Reference streams from the files; with `--num-refs N` each line holds N tab-separated references. */
function readRefs(files: readonly string[], numRefs: number): string[][] {
  if (files.length === 0) throw new ReproError("no reference file given: pass REF... before -i/--input");
  if (numRefs === 1) return files.map((f) => readLines(f, "reference file"));
  if (files.length > 1)
    throw new ReproError("--num-refs/-nr needs exactly one reference file (tab-separated)");
  const streams: string[][] = Array.from({ length: numRefs }, () => []);
  readLines(files[0], "reference file").forEach((line, i) => {
    const fields = splitMax(line, "\t", numRefs - 1);
    if (fields.length !== numRefs) {
      throw new ReproError(
        `reference file "${files[0]}" line ${i + 1}: expected ${numRefs} fields, found ${fields.length}`,
      );
    }
    fields.forEach((f, k) => {
      streams[k].push(f);
    });
  });
  return streams;
}

/** Python `s.split(sep, maxsplit)`. */
function splitMax(s: string, sep: string, maxsplit: number): string[] {
  const parts = s.split(sep);
  return parts.length <= maxsplit + 1
    ? parts
    : [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

/** The systems from `-i`; a repeat of the baseline is skipped in paired mode, as sacreBLEU does. */
function readSystems(files: readonly string[], paired: boolean): NamedSystem[] {
  if (files.length === 0) throw new ReproError("no hypothesis file given: pass -i/--input HYP...");
  const systems: NamedSystem[] = [];
  for (const f of files) {
    if (systems.some((s) => s.name === f)) {
      if (paired && systems[0].name === f) continue;
      throw new ReproError(`hypothesis file "${f}" is given twice to -i/--input`);
    }
    systems.push({ name: f, hyps: readLines(f, "hypothesis file") });
  }
  return systems;
}

function checkLengths(
  systems: readonly NamedSystem[],
  refs: readonly string[][],
  refFiles: readonly string[],
): void {
  for (const sys of systems) {
    if (sys.hyps.length === 0) throw new ReproError(`hypothesis file "${sys.name}" is empty`);
    refs.forEach((stream, k) => {
      if (stream.length !== sys.hyps.length) {
        const refName =
          refFiles.length === refs.length ? `reference file "${refFiles[k]}"` : `reference ${k + 1}`;
        throw new ReproError(
          `line count mismatch: hypothesis file "${sys.name}" has ${sys.hyps.length} lines but ${refName} has ${stream.length}`,
        );
      }
    });
  }
}

function runVectors(file: string, io: ScoreIo): void {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ReproError(`cannot read vectors file "${file}"`);
  }
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let c: unknown;
    try {
      c = JSON.parse(line);
    } catch {
      throw new ReproError(`vectors file "${file}" line ${i + 1}: not valid JSON`);
    }
    if (c === null || typeof c !== "object" || Array.isArray(c)) {
      throw new ReproError(`vectors file "${file}" line ${i + 1}: expected a JSON object`);
    }
    io.stdout(`${JSON.stringify(runVectorCase(c as Record<string, unknown>))}\n`);
  });
}

/** Runs `repronet score` with parsed options; all output goes through `io.stdout`. */
export function runScore(opts: ScoreOptions, io: ScoreIo = defaultIo): void {
  if (opts.vectors !== undefined) {
    if (opts.refs.length || opts.input?.length)
      throw new ReproError("--vectors takes no reference or -i files");
    runVectors(opts.vectors, io);
    return;
  }
  const format = opts.format ?? "json";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ReproError(
      `unknown format "${format}" for -f/--format (known: json, text)${didYouMean(format, FORMATS)}`,
    );
  }
  if (opts.pairedBs && opts.pairedAr) throw new ReproError("--paired-bs and --paired-ar exclude each other");
  const pairedType: PairedTestType | undefined = opts.pairedBs ? "bs" : opts.pairedAr ? "ar" : undefined;
  const metrics = buildMetrics(opts, pairedType !== undefined);
  const refs = readRefs(opts.refs, opts.numRefs ?? 1);
  const systems = readSystems(opts.input ?? [], pairedType !== undefined);
  checkLengths(systems, refs, opts.refs);
  if (pairedType && systems.length < 2) {
    throw new ReproError("paired tests need a baseline and at least one more system given to -i/--input");
  }
  const width = opts.width ?? 1;
  const seedText = opts.seed ?? io.env.SACREBLEU_SEED ?? DEFAULT_SEED_TEXT;
  const paired = pairedType
    ? {
        type: pairedType,
        nSamples: (pairedType === "bs" ? opts.pairedBsN : opts.pairedArN) ?? 0,
        seed: parseSeed(seedText, opts.seed !== undefined ? "--seed" : "SACREBLEU_SEED"),
      }
    : undefined;
  const report = buildReport(systems, metrics, refs, { width, paired });
  io.stdout(format === "json" ? renderJson(report) : renderText(report, width, opts.short ?? false));
}

/** Adds `score` to the program. `io` is for tests; the CLI writes to stdout. */
export function registerScore(program: Command, io: ScoreIo = defaultIo): void {
  const cmd = new SacrebleuStyleCommand("score")
    .description("score hypotheses against references with BLEU, chrF and TER exactly as sacreBLEU 2.6 does")
    .argument("[refs...]", "reference files (one segment per line), given before -i")
    .option(
      "-i, --input <files...>",
      "hypothesis files, one system each (the first is the baseline in paired tests)",
    )
    .option("-m, --metrics <names...>", "metrics: bleu, chrf, ter, wer, cer (default: bleu)")
    .option(
      "--num-refs <n>",
      "read N tab-separated references per line from one file (-nr)",
      intArg("--num-refs", 1),
    )
    .option("--tokenize <name>", "BLEU tokenizer: 13a, intl, zh, char, none (default: 13a) (-tok)")
    .option("-s, --smooth-method <name>", "BLEU smoothing: exp, floor, add-k, none (default: exp)")
    .option(
      "--smooth-value <x>",
      "BLEU smoothing value for floor (0.1) and add-k (1) (-sv)",
      floatArg("--smooth-value"),
    )
    .option("--lowercase", "lowercased BLEU (-lc)")
    .option(
      "--chrf-char-order <n>",
      "chrF character n-gram order (default: 6) (-cc)",
      intArg("--chrf-char-order", 0),
    )
    .option(
      "--chrf-word-order <n>",
      "chrF word n-gram order, 2 for chrF++ (default: 0) (-cw)",
      intArg("--chrf-word-order", 0),
    )
    .option("--chrf-beta <n>", "chrF beta (default: 2)", intArg("--chrf-beta", 0))
    .option("--chrf-whitespace", "keep whitespace in chrF character n-grams")
    .option("--chrf-lowercase", "lowercased chrF")
    .option("--chrf-eps-smoothing", "chrF eps smoothing instead of effective order")
    .option("--ter-case-sensitive", "case-sensitive TER")
    .option("--ter-asian-support", "TER support for Asian scripts")
    .option("--ter-no-punct", "TER without punctuation")
    .option("--ter-normalized", "TER with Tercom normalisation")
    .option("--paired-bs", "paired bootstrap resampling test against the first system (-pbs)")
    .option("--paired-ar", "paired approximate randomization test against the first system (-par)")
    .option("--paired-bs-n <n>", "bootstrap resamples (default: 1000) (-pbsn)", intArg("--paired-bs-n", 1))
    .option("--paired-ar-n <n>", "randomization trials (default: 10000) (-parn)", intArg("--paired-ar-n", 1))
    .option("--seed <n>", "resampling seed, or none (default: $SACREBLEU_SEED, else 12345)")
    .option("-f, --format <fmt>", "output format: json or text (default: json)")
    .option("-w, --width <n>", "decimals in formatted scores (default: 1)", intArg("--width", 0))
    .option("--short", "short signatures in text output (-sh)")
    .option(
      "--vectors <file>",
      "run sacreBLEU test-vector cases (JSON lines) and print one JSON result per line",
    )
    .action((refs: string[], options: Omit<ScoreOptions, "refs">) => {
      runScore({ ...options, refs }, io);
    });
  // addCommand does not pass the program's settings down (exitOverride, output, help on error).
  cmd.copyInheritedSettings(program);
  program.addCommand(cmd);
}
