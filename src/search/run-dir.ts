/**
 * A trained run, ready to decode: the network of the run's resolved config
 * (from OUT/manifest.json) with the parameters of a checkpoint (the newest
 * complete one unless given).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isPlainObject } from "../config/plain.js";
import { OggZipDataset } from "../data/audio/ogg-zip.js";
import type { Dataset } from "../data/dataset.js";
import { datasetFromConfig } from "../data/dataset.js";
import { ParallelTextDataset, vocabsFromConfig } from "../data/parallel-text.js";
import "../data/index.js";
import { buildNetwork, type Network } from "../network/network.js";
import type { SearchOptions } from "../network/types.js";
import { readParams, resolveParamsFile } from "../train/checkpoint.js";
import { ReproError } from "../util/errors.js";
import type { BpeModel } from "../vocab/bpe.js";
import { withoutEos } from "./labels.js";

export interface LoadedRun {
  readonly config: Record<string, unknown>;
  readonly network: Network;
  /** The checkpoint file the parameters came from. */
  readonly checkpoint: string;
  /** Search settings from the config: `beam_size` (the default beam) and `search_output_layer`. */
  readonly search: SearchOptions;
}

export function loadRun(runDir: string, checkpoint?: string): LoadedRun {
  const manifestPath = join(runDir, "manifest.json");
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new ReproError(
      `${manifestPath}: cannot read the run's manifest (${(e as Error).message.split("\n")[0]})`,
    );
  }
  const resolved =
    isPlainObject(manifest) && isPlainObject(manifest.config) ? manifest.config.resolved : undefined;
  if (!isPlainObject(resolved)) throw new ReproError(`${manifestPath}: no resolved config in the manifest`);
  const network = buildNetwork(resolved, manifestPath);
  const file = checkpoint ?? resolveParamsFile(runDir);
  const saved = readParams(file);
  for (const p of network.params.list()) {
    const s = saved.get(p.name);
    if (!s) throw new ReproError(`${file}: parameter "${p.name}" of the network is missing`);
    network.params.load(p.name, s.data as Float32Array, s.shape);
  }
  const beam = resolved.beam_size;
  const layer = resolved.search_output_layer;
  if (beam !== undefined && (typeof beam !== "number" || !Number.isSafeInteger(beam) || beam < 1)) {
    throw new ReproError(
      `${manifestPath}: beam_size must be a positive integer, got ${JSON.stringify(beam)}`,
    );
  }
  if (layer !== undefined && typeof layer !== "string") {
    throw new ReproError(`${manifestPath}: search_output_layer must be a layer name`);
  }
  return { config: resolved, network, checkpoint: file, search: { beamSize: beam, outputLayer: layer } };
}

/** The dataset a config key names (`dev`, `train`, or a key of `eval_datasets`). */
export function datasetOf(config: Record<string, unknown>, key: string, where: string): Dataset {
  const evalSets = isPlainObject(config.eval_datasets) ? config.eval_datasets : {};
  const spec = key in evalSets ? evalSets[key] : config[key];
  if (spec === undefined) {
    throw new ReproError(
      `${where}: the run's config has no dataset "${key}" (use dev, train or a key of eval_datasets)`,
    );
  }
  return datasetFromConfig(spec, `${where}: ${key}`).dataset;
}

/** The subword vocabularies of the run's training data (for raw-text translation). */
export function vocabsOf(
  config: Record<string, unknown>,
  where: string,
): { source: BpeModel; target: BpeModel } {
  const train = config.train;
  if (!isPlainObject(train) || train.class !== "parallel_text") {
    throw new ReproError(`${where}: translate needs a run trained on parallel_text data (with a vocab)`);
  }
  const { sourceVocab, targetVocab } = vocabsFromConfig(train, `${where}: train`);
  return { source: sourceVocab, target: targetVocab };
}

/** Turns a hypothesis into output text: subwords decoded when the dataset has a vocab, else label ids. */
export function hypothesisText(dataset: Dataset, labels: Int32Array): string {
  const body = withoutEos(labels);
  if (dataset instanceof ParallelTextDataset) return dataset.targetVocab.decode(body);
  if (dataset instanceof OggZipDataset && dataset.targets) return dataset.targets.decode(body);
  return body.join(" ");
}
