import { isPlainObject } from "../config/plain.js";
import { OggZipDataset } from "../data/audio/ogg-zip.js";
import type { Dataset } from "../data/dataset.js";
import { datasetFromConfig } from "../data/dataset.js";
import { ParallelTextDataset, vocabsFromConfig } from "../data/parallel-text.js";
import "../data/index.js";
import { buildNetwork, type Network } from "../network/network.js";
import type { SearchOptions } from "../network/types.js";
import { manifestPath, readManifest, readParams, resolveParamsFile } from "../rundir/index.js";
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

/**
 * Loads the run's network with the parameters of `checkpoint` (default: the
 * newest checkpoint, which must load). Every file's checksum is verified; a
 * `.broken` checkpoint loads only with `allowBroken`.
 */
export function loadRun(runDir: string, checkpoint?: string, o: { allowBroken?: boolean } = {}): LoadedRun {
  const manifestFile = manifestPath(runDir);
  const manifest = readManifest(runDir);
  if (!manifest) throw new ReproError(`${manifestFile}: no such file (is ${runDir} a run directory?)`);
  const resolved = manifest.config?.resolved;
  if (!isPlainObject(resolved)) throw new ReproError(`${manifestFile}: no resolved config in the manifest`);
  const network = buildNetwork(resolved, manifestFile);
  const file = checkpoint ?? resolveParamsFile(runDir);
  const saved = readParams(file, { allowBroken: o.allowBroken });
  for (const p of network.params.list()) {
    const s = saved.get(p.name);
    if (!s) throw new ReproError(`${file}: parameter "${p.name}" of the network is missing`);
    if (s.data.length !== p.value.size || s.shape.length !== p.value.shape.length)
      throw new ReproError(
        `${file}: parameter "${p.name}" has shape [${s.shape}], the run's network needs [${p.value.shape}]`,
      );
    network.params.load(p.name, s.data as Float32Array, s.shape);
  }
  const beam = resolved.beam_size;
  const layer = resolved.search_output_layer;
  if (beam !== undefined && (typeof beam !== "number" || !Number.isSafeInteger(beam) || beam < 1)) {
    throw new ReproError(
      `${manifestFile}: beam_size must be a positive integer, got ${JSON.stringify(beam)}`,
    );
  }
  if (layer !== undefined && typeof layer !== "string") {
    throw new ReproError(`${manifestFile}: search_output_layer must be a layer name`);
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
  return datasetFromConfig(spec, `${where}: ${key}`, { externData: config.extern_data }).dataset;
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

/**
 * Refuses vocabularies whose size is not the one the network was built for
 * (a vocab file replaced after training would decode garbage). `option` names
 * the config option of each side, for the message.
 */
export function checkVocabSizes(
  network: Network,
  vocabs: { source: { size: number }; target: { size: number } },
  where: string,
): void {
  const sides = [
    ["data", vocabs.source.size, "source vocab"],
    ["classes", vocabs.target.size, "target vocab"],
  ] as const;
  for (const [key, size, what] of sides) {
    const dim = network.externs.get(key)?.dim;
    if (dim !== undefined && dim !== size)
      throw new ReproError(
        `${where}: the ${what} has ${size} ids, the model was trained with ${dim} (extern_data.${key}): was the vocab file replaced?`,
      );
  }
}

/** Turns a hypothesis into output text: subwords decoded when the dataset has a vocab, else label ids. */
export function hypothesisText(dataset: Dataset, labels: Int32Array): string {
  const body = withoutEos(labels);
  if (dataset instanceof ParallelTextDataset) return dataset.targetVocab.decode(body);
  if (dataset instanceof OggZipDataset && dataset.targets) return dataset.targets.decode(body);
  return body.join(" ");
}
