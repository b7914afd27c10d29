/**
 * Decodes many source sequences: sorted by length into batches (less padding),
 * searched, and returned in input order. Each sequence's result does not
 * depend on the batch it lands in.
 */
import type { Batch, Searchable, SearchOptions } from "../network/types.js";
import { Tensor, tidy } from "../tensor/tensor.js";

export interface DecodeOptions extends SearchOptions {
  /** Sequences per batch. */
  maxSeqs: number;
  /** Called after each batch with the number of sequences done. */
  onProgress?: (done: number, total: number) => void;
}

export function decodeAll(net: Searchable, sources: readonly Int32Array[], o: DecodeOptions): Int32Array[] {
  const order = sources.map((_, i) => i).sort((a, b) => sources[a].length - sources[b].length || a - b);
  const results = new Array<Int32Array>(sources.length);
  for (let start = 0; start < order.length; start += o.maxSeqs) {
    const ids = order.slice(start, start + o.maxSeqs);
    const labels = tidy(
      () =>
        net.search(sourceBatch(ids.map((i) => sources[i])), {
          beamSize: o.beamSize,
          outputLayer: o.outputLayer,
        }).labels,
    );
    ids.forEach((id, k) => {
      results[id] = labels[k];
    });
    o.onProgress?.(Math.min(start + o.maxSeqs, order.length), order.length);
  }
  return results;
}

function sourceBatch(seqs: readonly Int32Array[]): Batch {
  const T = Math.max(1, ...seqs.map((s) => s.length));
  const value = new Int32Array(seqs.length * T);
  seqs.forEach((s, b) => {
    value.set(s, b * T);
  });
  return {
    data: {
      data: { value: new Tensor([seqs.length, T], value), lengths: Int32Array.from(seqs, (s) => s.length) },
    },
  };
}
