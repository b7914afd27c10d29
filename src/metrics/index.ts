/**
 * sacreBLEU 2.6-identical scoring: BLEU, chrF/chrF++ and TER with their
 * signatures, and sacreBLEU's paired significance tests (same RNG, same p-values).
 */
export {
  Bleu,
  type BleuOptions,
  type BleuScore,
  formatBleu,
  SMOOTH_METHODS,
  type SmoothMethod,
} from "./bleu.js";
export { Chrf, type ChrfOptions, formatChrf } from "./chrf.js";
export { readLines } from "./lines.js";
export type { CorpusStats, Metric, ResampledScore } from "./metric.js";
export { NumpyGenerator } from "./numpyRng.js";
export type { RefStreams } from "./refs.js";
export { buildReport, renderJson, renderText, type ScoreReport } from "./report.js";
export { DEFAULT_SEED_TEXT, parseSeed, type Seed } from "./seed.js";
export { SACREBLEU_VERSION } from "./signature.js";
export {
  DEFAULT_SAMPLES,
  type NamedSystem,
  type PairedOptions,
  type PairedOutput,
  type PairedResult,
  type PairedTestType,
  pairedTest,
} from "./significance.js";
export { formatTer, Ter, type TerOptions } from "./ter.js";
export { getTokenizer, TOKENIZER_NAMES, type Tokenizer } from "./tokenizers.js";
export { runVectorCase, type VectorCase } from "./vectors.js";
export {
  alignCounts,
  type EditCounts,
  ErrorRate,
  type ErrorRateUnit,
  errorRateTokens,
  formatErrorRate,
} from "./wer.js";
