/**
 * `dev_bleu_every_n_epochs`: beam-search the dev set and score it with BLEU
 * (sacreBLEU's defaults). Recorded as `dev_bleu` and, for the learning-rate
 * control, which wants an error, as `dev_error_bleu` = 100 − BLEU.
 */

import type { Dataset } from "../data/dataset.js";
import { ParallelTextDataset } from "../data/parallel-text.js";
import { Bleu } from "../metrics/bleu.js";
import type { TrainableNetwork } from "../network/types.js";
import { decodeAll } from "../search/decode.js";
import { withoutEos } from "../search/labels.js";
import { ReproError } from "../util/errors.js";

export const DEV_BLEU_KEYS = ["dev_bleu", "dev_error_bleu"] as const;

export const devBleuScores = (bleu: number): Record<string, number> => ({
  dev_bleu: bleu,
  dev_error_bleu: 100 - bleu,
});

/**
 * Text of label sequences: subwords decoded for parallel text (BLEU with the
 * 13a tokenizer, as sacreBLEU), else label ids (BLEU over ids, no tokenizer).
 */
function texts(dataset: Dataset, seqs: readonly Int32Array[]): { lines: string[]; tokenize: string } {
  if (dataset instanceof ParallelTextDataset) {
    return { lines: seqs.map((s) => dataset.targetVocab.decode(withoutEos(s))), tokenize: "13a" };
  }
  return { lines: seqs.map((s) => withoutEos(s).join(" ")), tokenize: "none" };
}

export function devBleu(
  net: TrainableNetwork,
  dataset: Dataset,
  where: string,
): { score: number; sentences: number; seconds: number } {
  if (!net.search) throw new ReproError(`${where}: dev_bleu_every_n_epochs needs a network that can search`);
  const started = performance.now();
  const sources: Int32Array[] = [];
  const targets: Int32Array[] = [];
  for (let i = 0; i < dataset.numSeqs; i++) {
    const seq = dataset.get(i);
    sources.push(seq.data as Int32Array);
    targets.push(seq.classes as Int32Array);
  }
  const searchable = { search: net.search.bind(net) };
  const hyps = texts(dataset, decodeAll(searchable, sources, { maxSeqs: 32 }));
  const refs = texts(dataset, targets);
  const { score } = new Bleu({ tokenize: hyps.tokenize }).corpusScore(hyps.lines, [refs.lines]);
  return { score, sentences: sources.length, seconds: (performance.now() - started) / 1000 };
}
