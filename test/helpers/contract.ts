/** Shared set-up for the contract tests: the reference config, trained in-process to a fingerprint. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors } from "../../src/io/safetensors.js";
import { buildNetwork } from "../../src/network/network.js";
import { fingerprintParams } from "../../src/rundir/index.js";
import { train } from "../../src/train/trainer.js";

export type Config = Record<string, unknown>;
type NetDict = Record<string, Record<string, unknown>>;

/** The reference Transformer config from examples/, with a smaller training set to keep tests quick. */
export function referenceConfig(name = "transformer-base"): Config {
  const config = JSON.parse(readFileSync(`examples/${name}.json`, "utf8")) as Config;
  (config.train as Config).num_seqs = 96;
  (config.dev as Config).num_seqs = 16;
  return config;
}

/** The decoder unit of the reference config (to add layers to it). */
export const unitOf = (config: Config): NetDict =>
  ((config.network as NetDict).output as { unit: NetDict }).unit;
export const networkOf = (config: Config): NetDict => config.network as NetDict;

/** Trains `config` in a fresh directory and returns the fingerprint (optionally excluding some parameters). */
export async function trainedFingerprint(config: Config, exclude?: RegExp): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "repronet-contract-"));
  try {
    const result = await train({
      config,
      configFile: "contract.json",
      outDir: out,
      buildNetwork,
      log: () => {},
    });
    if (!exclude) return result.fingerprint;
    const last = readSafetensors(
      join(out, "checkpoints", `epoch.${String(result.epoch).padStart(3, "0")}.safetensors`),
    );
    const params = Object.entries(last.tensors).map(
      ([n, t]): [string, { shape: readonly number[]; data: Float32Array }] => [
        n,
        { shape: t.shape, data: t.data as Float32Array },
      ],
    );
    return fingerprintParams(params, { exclude }).digest;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
