/**
 * `repronet search RUN_DIR --data KEY [--out FILE] [--beam N]`: beam search
 * over a dataset of the run's config, one hypothesis per line in dataset
 * order (decoded text for parallel_text data, else label ids).
 * `repronet translate RUN_DIR [--beam N] < in > out`: raw text in, detokenised
 * (subword-decoded) text out, one line per line.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ParallelTextDataset } from "../data/parallel-text.js";
import { searchDataset } from "../search/audio.js";
import { decodeAll } from "../search/decode.js";
import { withoutEos } from "../search/labels.js";
import { checkVocabSizes, datasetOf, hypothesisText, loadRun, vocabsOf } from "../search/run-dir.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new ReproError(`${name} must be a positive integer, got "${value}"`);
  return n;
};

/** A progress line on stderr, only on a terminal. */
function progress(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const start = performance.now();
  return (done, total) => {
    const rate = done / ((performance.now() - start) / 1000);
    process.stderr.write(`\r${label} ${done}/${total} sentences, ${rate.toFixed(1)} sentences/s`);
    if (done === total) process.stderr.write("\n");
  };
}

/** Standard input as text: invalid UTF-8 or a NUL byte (binary input) is an error, not U+FFFD. */
function stdinText(): string {
  const bytes = readFileSync(0);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ReproError("stdin: not UTF-8 text (translate reads one sentence per line)");
  }
  const nul = text.indexOf("\0");
  if (nul >= 0)
    throw new ReproError(`stdin: line ${text.slice(0, nul).split("\n").length}: a NUL byte (binary input?)`);
  return text;
}

export function registerSearch(program: Command): void {
  program
    .command("search")
    .description("beam search over a dataset of a trained run; one hypothesis per line")
    .argument("<run_dir>", "a run directory written by `repronet train`")
    .requiredOption("--data <key>", "dataset of the run's config: dev, train, or a key of eval_datasets")
    .option("--out <file>", "output file (default: stdout); written atomically")
    .option(
      "--beam <n>",
      "beam size (default: the config's beam_size, else the choice layer's)",
      positiveInt("--beam"),
    )
    .option("--checkpoint <file>", "parameters to use (default: the newest checkpoint)")
    .option("--allow-broken", "let --checkpoint be a .broken checkpoint")
    .option("--max-seqs <n>", "sequences per batch", positiveInt("--max-seqs"), 32)
    .action(
      (
        runDir: string,
        o: {
          data: string;
          out?: string;
          beam?: number;
          checkpoint?: string;
          allowBroken?: boolean;
          maxSeqs: number;
        },
      ) => {
        const run = loadRun(runDir, o.checkpoint, o);
        const dataset = datasetOf(run.config, o.data, runDir);
        if (dataset instanceof ParallelTextDataset)
          checkVocabSizes(run.network, { source: dataset.sourceVocab, target: dataset.targetVocab }, runDir);
        const opts = {
          ...run.search,
          beamSize: o.beam ?? run.search.beamSize,
          maxSeqs: o.maxSeqs,
          onProgress: progress("search"),
        };
        // Audio (dense features) is searched in dataset batches; token sources sorted by length.
        const hyps = dataset.keys.some((k) => k.name === "data" && !k.sparse)
          ? searchDataset(run.network, dataset, opts)
          : decodeAll(
              run.network,
              Array.from({ length: dataset.numSeqs }, (_, i) => dataset.get(i).data as Int32Array),
              opts,
            );
        const text = hyps.map((h) => `${hypothesisText(dataset, h)}\n`).join("");
        if (o.out) writeFileAtomic(o.out, text);
        else process.stdout.write(text);
      },
    );

  program
    .command("translate")
    .description("translate raw text from stdin to stdout with a trained run (one sentence per line)")
    .argument("<run_dir>", "a run directory trained on parallel_text data")
    .option(
      "--beam <n>",
      "beam size (default: the config's beam_size, else the choice layer's)",
      positiveInt("--beam"),
    )
    .option("--checkpoint <file>", "parameters to use (default: the newest checkpoint)")
    .option("--allow-broken", "let --checkpoint be a .broken checkpoint")
    .option("--max-seqs <n>", "sentences per batch", positiveInt("--max-seqs"), 32)
    .action(
      (runDir: string, o: { beam?: number; checkpoint?: string; allowBroken?: boolean; maxSeqs: number }) => {
        const run = loadRun(runDir, o.checkpoint, o);
        const vocab = vocabsOf(run.config, runDir);
        checkVocabSizes(run.network, vocab, runDir);
        const input = stdinText();
        const lines = input.length === 0 ? [] : input.replace(/\n$/, "").split("\n");
        const sources = lines.map((l) => Int32Array.from(vocab.source.encode(l)));
        const hyps = decodeAll(run.network, sources, {
          ...run.search,
          beamSize: o.beam ?? run.search.beamSize,
          maxSeqs: o.maxSeqs,
          onProgress: progress("translate"),
        });
        process.stdout.write(hyps.map((h) => `${vocab.target.decode(withoutEos(h))}\n`).join(""));
      },
    );
}
