/**
 * Beam-search speed: the Multi30k example's model size (Transformer 3 + 3
 * layers, d 256, 4 heads, FF 1024; untied softmax output with bias, as in
 * examples/multi30k-transformer.ts) with a 10,000-label vocab, beam 5, on
 * `sentences` random sources of Multi30k-like lengths (8–24 tokens, mean 16).
 *
 * The output length is fixed, independent of the (random) weights: the bias
 * of the end label 0 is −1e9, so no hypothesis ends early and every sentence
 * runs to `max_seq_len` = its source length + 2 steps. Sorted into batches of
 * 32 as `repronet search` does (src/search/decode.ts).
 */
import { selectKernels, setKernels } from "../src/kernels/active.js";
import type { Kernels } from "../src/kernels/kernels.js";
import { buildNetwork } from "../src/network/network.js";
import { KeyedStream } from "../src/rng/keyed.js";
import { decodeAll } from "../src/search/decode.js";
import { referenceNetwork, referenceShape } from "./reference-config.js";

export interface SearchBenchResult {
  bench: "search";
  kernels: string;
  threads: number;
  beam: number;
  vocab: number;
  sentences: number;
  output_tokens: number;
  seconds: number;
  /** CPU seconds (user + system, all threads) of the search: steadier than `seconds` on a busy machine. */
  cpu_s: number;
  sentences_per_s: number;
  peak_rss_mb: number;
}

export const searchShape = { ...referenceShape, vocab: 10000 };

function searchConfig(): Record<string, unknown> {
  const net = referenceNetwork(searchShape);
  const rec = net.output as { unit: Record<string, Record<string, unknown>>; max_seq_len: string };
  rec.unit.output_prob = { class: "softmax", from: ["decoder"], target: "classes", loss: "ce" };
  rec.max_seq_len = "max_len_from('base:encoder') * 1 + 2";
  return {
    random_seed: 3,
    extern_data: {
      data: { dim: searchShape.vocab, sparse: true },
      classes: { dim: searchShape.vocab, sparse: true },
    },
    network: net,
  };
}

/** Source sentences of lengths 8–24 (deterministic), tokens in [1, V). */
export function searchSources(n: number): Int32Array[] {
  const words = new KeyedStream(1, "bench/search").uint32(n * 25);
  return Array.from({ length: n }, (_, i) => {
    const len = 8 + ((i * 7919) % 17);
    return Int32Array.from(words.subarray(i * 25, i * 25 + len), (u) => 1 + (u % (searchShape.vocab - 1)));
  });
}

/** `wrap` wraps the selected kernels (to time every call, as bench/kernel-profile.ts does). */
export function runSearchBench(
  kernels: "js" | "native",
  threads: number,
  sentences: number,
  beam = 5,
  wrap?: (k: Kernels) => Kernels,
): SearchBenchResult {
  const k = selectKernels(kernels, threads);
  if (wrap) setKernels(wrap(k));
  const net = buildNetwork(searchConfig(), "bench/search-bench.ts");
  const bias = net.params.list().find((p) => p.name === "output/output_prob/b");
  if (!bias) throw new Error("search bench: no output bias parameter output/output_prob/b");
  bias.value.f32[0] = -1e9; // the end label never wins: every hypothesis runs to max_seq_len
  const sources = searchSources(sentences);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const hyps = decodeAll(net, sources, { beamSize: beam, maxSeqs: 32 });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const outputTokens = hyps.reduce((s, h) => s + h.length, 0);
  const expected = sources.reduce((s, x) => s + x.length + 2, 0);
  if (outputTokens !== expected)
    throw new Error(`search bench: ${outputTokens} output tokens, expected ${expected} (fixed length)`);
  const result: SearchBenchResult = {
    bench: "search",
    kernels: k.name,
    threads: k.name === "native" ? threads : 1,
    beam,
    vocab: searchShape.vocab,
    sentences,
    output_tokens: outputTokens,
    seconds,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    sentences_per_s: sentences / seconds,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  return result;
}
