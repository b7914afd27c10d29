/**
 * `repronet recognize RUN_DIR --data KEY [--layer NAME] [--beam-size N] [--out FILE] [--refs FILE]`:
 * CTC decoding (greedy, or prefix beam search) of an audio dataset (OggZipDataset) of the run's
 * config, one transcript per line in dataset order; `--refs` also writes the
 * reference transcripts, ready for `repronet score REFS -i OUT -m wer cer`.
 */
import type { Command } from "commander";
import { OggZipDataset } from "../data/audio/ogg-zip.js";
import { recognizeAll } from "../search/recognize.js";
import { datasetOf, loadRun } from "../search/run-dir.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";

const positiveInt = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new ReproError(`${name} must be a positive integer, got "${value}"`);
  return Number(value);
};

export function registerRecognize(program: Command): void {
  program
    .command("recognize")
    .description(
      "CTC decoding (greedy or prefix beam search) of an audio dataset of a trained run; one transcript per line",
    )
    .argument("<run_dir>", "a run directory written by `repronet train`")
    .requiredOption("--data <key>", "dataset of the run's config: dev, train, or a key of eval_datasets")
    .option("--layer <name>", 'the CTC softmax layer (default: "ctc", else "output")')
    .option("--out <file>", "output file (default: stdout); written atomically")
    .option("--refs <file>", "also write the reference transcripts here")
    .option("--checkpoint <file>", "parameters to use (default: the newest complete checkpoint)")
    .option(
      "--beam-size <n>",
      "CTC prefix beam search with n hypotheses (default: greedy decoding)",
      positiveInt("--beam-size"),
    )
    .option("--max-seqs <n>", "sequences per batch", positiveInt("--max-seqs"), 16)
    .action(
      (
        runDir: string,
        o: {
          data: string;
          layer?: string;
          out?: string;
          refs?: string;
          checkpoint?: string;
          maxSeqs: number;
          beamSize?: number;
        },
      ) => {
        const run = loadRun(runDir, o.checkpoint);
        const dataset = datasetOf(run.config, o.data, runDir);
        if (!(dataset instanceof OggZipDataset) || dataset.targets === null) {
          throw new ReproError(`${runDir}: dataset "${o.data}" must be an OggZipDataset with targets`);
        }
        const targets = dataset.targets;
        const hyps = recognizeAll(run.network, dataset, {
          layer: o.layer,
          maxSeqs: o.maxSeqs,
          beamSize: o.beamSize,
        });
        const text = hyps.map((h) => `${targets.decode(h)}\n`).join("");
        if (o.out) writeFileAtomic(o.out, text);
        else process.stdout.write(text);
        if (o.refs) {
          const refs = Array.from(
            { length: dataset.numSeqs },
            (_, i) => `${targets.decode(dataset.get(i).classes)}\n`,
          );
          writeFileAtomic(o.refs, refs.join(""));
        }
      },
    );
}
