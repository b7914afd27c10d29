#!/usr/bin/env node
/**
 * `npm run multi30k [-- --data DIR --work DIR --epochs N --average N --beam N --config FILE]`:
 * the reference Multi30k En→De pipeline with the repronet CLI —
 * prepare (joint BPE) → train (examples/multi30k-transformer.ts) → average the
 * last N epochs → translate test_2016_flickr → score BLEU, TER, chrF.
 * Re-running resumes training where it stopped.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

const { values: o } = parseArgs({
  options: {
    data: { type: "string", default: process.env.MULTI30K_DIR ?? "../shared/data/multi30k" },
    work: { type: "string", default: "runs/multi30k" },
    epochs: { type: "string" },
    average: { type: "string", default: "5" },
    beam: { type: "string", default: "5" },
    merges: { type: "string", default: "8000" },
    threads: { type: "string" },
    config: { type: "string", default: "examples/multi30k-transformer.ts" },
  },
});
const repronet = resolve("bin/repronet.js");
const data = resolve(o.data);
const work = resolve(o.work);
const vocab = join(work, "bpe.json");
const run = join(work, "run");
const env = { ...process.env, MULTI30K_DIR: data, MULTI30K_VOCAB: vocab };

function step(title, args, input) {
  process.stderr.write(`\n== ${title}: repronet ${args.join(" ")}\n`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [repronet, ...args], {
    env,
    input,
    stdio: [input === undefined ? "inherit" : "pipe", input === undefined ? "inherit" : "pipe", "inherit"],
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  process.stderr.write(`== ${title} done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return r.stdout?.toString("utf8");
}

for (const f of ["train.en.gz", "train.de.gz", "test_2016_flickr.en.gz", "test_2016_flickr.de.gz"]) {
  if (!existsSync(join(data, f))) {
    process.stderr.write(
      `error: ${join(data, f)}: not found (Multi30k: see docs/data.md; --data DIR or MULTI30K_DIR)\n`,
    );
    process.exit(1);
  }
}
mkdirSync(work, { recursive: true });

if (!existsSync(vocab)) {
  step("prepare", [
    "vocab",
    "learn",
    "--merges",
    o.merges,
    "--out",
    vocab,
    join(data, "train.en.gz"),
    join(data, "train.de.gz"),
  ]);
}
const trainArgs = ["train", o.config, "--out", run];
if (o.epochs) trainArgs.push("--set", `num_epochs=${o.epochs}`);
if (o.threads) trainArgs.push("--threads", o.threads);
step("train", trainArgs);

const averaged = join(work, "averaged.safetensors");
step("average", ["average", run, "--last", o.average, "--out", averaged]);

const source = gunzipSync(readFileSync(join(data, "test_2016_flickr.en.gz"))).toString("utf8");
const started = Date.now();
const hyps = step(
  "translate test_2016_flickr",
  ["translate", run, "--checkpoint", averaged, "--beam", o.beam],
  source,
);
const seconds = (Date.now() - started) / 1000;
const hypFile = join(work, "test_2016_flickr.hyp.de");
writeFileSync(hypFile, hyps);
const sentences = hyps.split("\n").length - 1;
process.stderr.write(
  `translated ${sentences} sentences in ${seconds.toFixed(1)} s (${(sentences / seconds).toFixed(1)} sentences/s, beam ${o.beam}, model load included)\n`,
);

// sacreBLEU-style signature lines (`-f text`), as the README shows.
step("score", ["score", join(data, "test_2016_flickr.de.gz"), "-i", hypFile, "-m", "bleu", "ter", "chrf", "-f", "text"]);
