/** A tiny real network (embedding, tanh layer, softmax) on the synthetic copy task, trained in-process in well under a second. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildNetwork } from "../../src/network/network.js";
import { train } from "../../src/train/trainer.js";

export type Config = Record<string, unknown>;

export function tinyConfig(extra: Config = {}): Config {
  return {
    extern_data: { data: { dim: 8, sparse: true } },
    train: { class: "synthetic", task: "copy", num_seqs: 32, vocab_size: 8, min_len: 2, max_len: 5, seed: 1 },
    batch_size: 40,
    max_seqs: 8,
    num_epochs: 2,
    log_verbosity: 0,
    optimizer: { class: "adam" },
    learning_rate: 0.01,
    network: {
      emb: { class: "linear", activation: null, with_bias: false, from: ["data:data"], n_out: 8 },
      hidden: { class: "linear", activation: "tanh", from: ["emb"], n_out: 8 },
      output: { class: "softmax", from: ["hidden"], loss: "ce", target: "data" },
    },
    ...extra,
  };
}

/** The tiny network with `layers` added (or replaced). */
export const withLayers = (layers: Config, extra: Config = {}): Config => {
  const c = tinyConfig(extra);
  return { ...c, network: { ...(c.network as Config), ...layers } };
};

/** A fresh temporary directory. */
export const tempDir = (tag: string): string => mkdtempSync(join(tmpdir(), `repronet-${tag}-`));

/** Trains `config` into `outDir` (a fresh directory when not given); returns the directory. */
export async function trainTiny(
  config: Config,
  outDir = tempDir("tiny"),
  o: { forceConfig?: boolean } = {},
): Promise<string> {
  await train({ config, configFile: "tiny.json", outDir, buildNetwork, log: () => {}, ...o });
  return outDir;
}
