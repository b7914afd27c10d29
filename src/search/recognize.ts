/**
 * Speech recognition with a trained CTC model: the chosen layer's output
 * (a softmax over labels + blank) decoded for every sequence of a dataset, in
 * dataset order, batch by batch: greedily, or by prefix beam search.
 */
import { makeBatch } from "../data/batching.js";
import type { Dataset } from "../data/dataset.js";
import type { Network } from "../network/network.js";
import * as ops from "../tensor/ops/index.js";
import { tidy } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { ctcGreedyDecode, ctcPrefixBeamSearch } from "./ctc.js";

export interface RecognizeOptions {
  /** The CTC output layer (default "ctc", else "output"). */
  readonly layer?: string;
  readonly maxSeqs: number;
  /** Prefix beam search with this many hypotheses; greedy decoding when absent. */
  readonly beamSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Label sequences (blank = the layer's last class) for every sequence of `dataset`. */
export function recognizeAll(net: Network, dataset: Dataset, o: RecognizeOptions): number[][] {
  const layer = o.layer ?? (net.graph.layers.has("ctc") ? "ctc" : "output");
  const out: number[][] = [];
  for (let start = 0; start < dataset.numSeqs; start += o.maxSeqs) {
    const seqs = Array.from({ length: Math.min(o.maxSeqs, dataset.numSeqs - start) }, (_, k) => start + k);
    const hyps = tidy(() => {
      const y = net.layerOutput(makeBatch(dataset, seqs), layer);
      if (y.dims.length !== 3 || y.timeAxis !== 1 || y.featureAxis !== 2) {
        throw new ReproError(
          `layer "${layer}" must output [B, T, labels + blank] to decode, got (${y.describe()})`,
        );
      }
      const scores = y.logits ?? y.value;
      const [B, T, V] = scores.shape;
      const lengths = y.dims[1].lengths!;
      if (o.beamSize === undefined) return ctcGreedyDecode(scores.f32, [B, T, V], lengths, V - 1);
      const logProbs = y.logits ? ops.logSoftmax(y.logits) : ops.log(y.value);
      return ctcPrefixBeamSearch(logProbs.f32, [B, T, V], lengths, V - 1, o.beamSize).map((h) => h.labels);
    });
    out.push(...hyps);
    o.onProgress?.(out.length, dataset.numSeqs);
  }
  return out;
}
