/**
 * Beam search over an audio dataset (dense features): the dataset's own
 * batches (only its `data` stream goes in), in dataset order.
 */
import { makeBatch } from "../data/batching.js";
import type { Dataset } from "../data/dataset.js";
import type { Searchable } from "../network/types.js";
import { tidy } from "../tensor/tensor.js";
import type { DecodeOptions } from "./decode.js";

export function searchDataset(net: Searchable, dataset: Dataset, o: DecodeOptions): Int32Array[] {
  const out: Int32Array[] = [];
  for (let start = 0; start < dataset.numSeqs; start += o.maxSeqs) {
    const seqs = Array.from({ length: Math.min(o.maxSeqs, dataset.numSeqs - start) }, (_, k) => start + k);
    const labels = tidy(() => {
      const batch = makeBatch(dataset, seqs);
      return net.search(
        { ...batch, data: { data: batch.data.data } },
        { beamSize: o.beamSize, outputLayer: o.outputLayer },
      ).labels;
    });
    out.push(...labels);
    o.onProgress?.(out.length, dataset.numSeqs);
  }
  return out;
}
