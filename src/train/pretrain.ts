/**
 * Pretraining as in RETURNN (returnn/pretrain.py): a list of network dicts,
 * one per pretrain step, each repeated for some epochs; the last step is the
 * full network. `pretrain` is
 *
 *   "default" | true                          → {"construction_algo": "from_output"}
 *   {"construction_algo": "from_output" | "no_network_modifications" | fn(idx, netDict) => netDict | null
 *                         | [netDict0, netDict1, ...],
 *    "repetitions": N | [n0, n1, ...] | {"default": n, "final": n, "<idx>": n},
 *    "copy_param_mode": "ifpossible", "output_layers": ["output"], "input_layers": ["data"]}
 *
 * A function is called with idx = 0, 1, ... and a fresh copy of the full net
 * dict until it returns null; then the full network is appended. A step's dict
 * may carry `"#repetition": n`. A list is the data form of a function's
 * results (what `repronet import` writes for a Python construction_algo): the
 * steps before the full network, which is appended. Repetitions apply to every step, the final
 * full network included, so pretraining lasts Σ repetitions epochs.
 *
 * What repronet does at a network change (parameters copied by name, optimizer
 * state kept or reset) is in networks.ts.
 */
import { isPlainObject } from "../config/plain.js";
import { renderConfig } from "../rundir/index.js";
import { didYouMean, ReproError } from "../util/errors.js";

export type NetDict = Record<string, Record<string, unknown>>;
export type ConstructionAlgo = (idx: number, netDict: NetDict) => NetDict | null | undefined;

/** Pretrain `copy_param_mode`: null = a shape change is an error. */
export type CopyParamMode = "ifpossible" | "subset" | null;

export interface PretrainSettings {
  /** The net dict of each pretrain epoch (index 0 = epoch 1). */
  epochNets: NetDict[];
  /** What the log says about the schedule. */
  description: string;
  /**
   * A parameter whose shape changed: an error (null), its fresh value
   * ("ifpossible"), or the old values copied block by block ("subset").
   */
  copyParamMode: CopyParamMode;
}

const OPTIONS = ["construction_algo", "copy_param_mode", "input_layers", "output_layers", "repetitions"];
const MAX_STEPS = 1000;

/** Reads `pretrain`; null when pretraining is off. */
export function parsePretrain(config: Record<string, unknown>, file: string): PretrainSettings | null {
  const raw = config.pretrain;
  if (raw === undefined || raw === null || raw === false || raw === "" || raw === "none") return null;
  const where = `${file}: pretrain`;
  const opts: Record<string, unknown> =
    raw === true || raw === "default" ? {} : isPlainObject(raw) ? raw : {};
  if (!isPlainObject(raw) && raw !== true && raw !== "default")
    throw new ReproError(`${where} must be "default", true or a dict, got ${JSON.stringify(raw)}`);
  for (const k of Object.keys(opts))
    if (!OPTIONS.includes(k))
      throw new ReproError(`${where}: unknown option "${k}"${didYouMean(k, OPTIONS)}`);
  if (!isPlainObject(config.network)) throw new ReproError(`${where}: needs a "network" dict to modify`);
  const original = config.network as NetDict;
  const names = (key: string, fallback: string[]): string[] => {
    const v = opts[key] ?? fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
      throw new ReproError(`${where}: ${key} must be a list of layer names, got ${JSON.stringify(v)}`);
    return v;
  };
  const io = { outputs: names("output_layers", ["output"]), inputs: names("input_layers", ["data"]) };
  const algo = opts.construction_algo ?? "from_output";
  let steps: NetDict[];
  if (typeof algo === "function") steps = customSteps(algo as ConstructionAlgo, original, where);
  else if (Array.isArray(algo)) steps = listedSteps(algo, original, where);
  else if (algo === "from_output") steps = dropNonTrainableOnly(fromOutputSteps(original, io, where), io);
  else if (algo === "no_network_modifications") steps = [original];
  else {
    const known = ["from_output", "no_network_modifications"];
    throw new ReproError(
      `${where}: construction_algo ${JSON.stringify(algo)}${didYouMean(String(algo), known)} (supported: ${known.join(", ")}, a list of net dicts, or a function in a TS/JS config)`,
    );
  }
  const reps = repetitions(opts.repetitions, steps, where);
  const copyMode = opts.copy_param_mode ?? null;
  if (copyMode !== null && copyMode !== "ifpossible" && copyMode !== "subset")
    throw new ReproError(
      `${where}: copy_param_mode must be "ifpossible", "subset" or unset, got ${JSON.stringify(copyMode)}`,
    );
  const algoName = typeof algo === "function" ? "function" : Array.isArray(algo) ? "list" : String(algo);
  return {
    epochNets: steps.flatMap((net, i) => Array.from({ length: reps[i] }, () => net)),
    description: `construction_algo ${algoName}, ${steps.length} steps, repetitions [${reps.join(", ")}]`,
    copyParamMode: copyMode as CopyParamMode,
  };
}

export class Pretrain {
  constructor(
    readonly settings: PretrainSettings,
    private readonly full: NetDict,
  ) {}

  /** Number of pretrain epochs (Σ repetitions). */
  get numEpochs(): number {
    return this.settings.epochNets.length;
  }

  isPretrainEpoch(epoch: number): boolean {
    return epoch <= this.numEpochs;
  }

  /** The net dict of `epoch`: its pretrain step's, the full one after pretraining. */
  netDictFor(epoch: number): NetDict {
    return this.settings.epochNets[epoch - 1] ?? this.full;
  }

  /** A key that is equal for equal net dicts (functions compare by source text). */
  netKeyFor(epoch: number): string {
    return JSON.stringify(renderConfig(this.netDictFor(epoch)));
  }
}

// --- construction ----------------------------------------------------------------

/** A deep copy of plain dicts and lists; other values (functions, ...) are shared. */
function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

const fromOf = (layer: Record<string, unknown> | undefined): string[] => {
  const f = layer?.from;
  return f === undefined ? ["data"] : typeof f === "string" ? [f] : Array.isArray(f) ? (f as string[]) : [];
};

/** The user's construction_algo, called until it returns nothing; the full network is appended. */
function customSteps(fn: ConstructionAlgo, original: NetDict, where: string): NetDict[] {
  const steps: NetDict[] = [];
  for (let idx = 0; ; idx++) {
    if (idx >= MAX_STEPS)
      throw new ReproError(
        `${where}: construction_algo returned a network for ${MAX_STEPS} steps (return null to stop)`,
      );
    let d: unknown;
    try {
      d = fn(idx, clone(original));
    } catch (e) {
      const msg = String((e as Error)?.message ?? e).split("\n")[0];
      throw new ReproError(`${where}: construction_algo failed for idx ${idx}: ${msg}`);
    }
    if (d === null || d === undefined || d === false) break;
    if (!isPlainObject(d))
      throw new ReproError(
        `${where}: construction_algo(${idx}) must return a net dict or null, got ${typeof d}`,
      );
    steps.push(d as NetDict);
  }
  steps.push(original);
  return steps;
}

/** The data form: the listed networks, then the full one. */
function listedSteps(list: unknown[], original: NetDict, where: string): NetDict[] {
  list.forEach((d, i) => {
    if (!isPlainObject(d))
      throw new ReproError(`${where}: construction_algo[${i}] must be a net dict, got ${JSON.stringify(d)}`);
  });
  return [...(list as NetDict[]).map(clone), original];
}

interface Io {
  outputs: string[];
  inputs: string[];
}

const isInput = (io: Io, src: string) => io.inputs.includes(src) || src.startsWith("data:");

/** RETURNN's "from_output": repeatedly replace the output layers' sources by their sources. */
function fromOutputSteps(original: NetDict, io: Io, where: string): NetDict[] {
  const steps = [original];
  for (;;) {
    const simpler = simplerFromOutput(steps[0], original, io, where);
    if (!simpler) return steps;
    steps.unshift(simpler);
  }
}

function simplerFromOutput(simplest: NetDict, original: NetDict, io: Io, where: string): NetDict | null {
  const json = clone(simplest);
  for (;;) {
    for (const out of io.outputs)
      if (!(out in json)) throw new ReproError(`${where}: output layer "${out}" is not in the network`);
    const sources = new Set<string>();
    const deleted = new Set<string>();
    for (const out of io.outputs)
      for (const src of fromOf(json[out])) {
        if (isInput(io, src)) sources.add(src);
        else if (!deleted.has(src)) {
          if (!(src in json))
            throw new ReproError(`${where}: layer "${out}" reads "${src}", which is not in the network`);
          for (const s of fromOf(json[src])) sources.add(s);
          delete json[src];
          deleted.add(src);
        }
      }
    const now = [...new Set(io.outputs.flatMap((o) => fromOf(json[o])))].sort();
    const next = [...sources].sort();
    if (next.length === now.length && next.every((s, i) => s === now[i])) return null;
    for (const out of io.outputs) json[out] = { ...json[out], from: next };
    // An input feeding the output would likely change its parameter shapes: collapse further.
    if (next.some((s) => isInput(io, s))) continue;
    if ([...deleted].every((d) => original[d]?.trainable === false)) continue;
    return json;
  }
}

const isOutputLayer = (io: Io, net: NetDict, name: string) =>
  io.outputs.includes(name) || net[name].class === "softmax" || "target" in net[name];

/** RETURNN's _remove_non_trainable_added_only: drop steps that add no trainable (non-output) layer. */
function dropNonTrainableOnly(steps: NetDict[], io: Io): NetDict[] {
  const kept: NetDict[] = [];
  for (let i = -1; i < steps.length - 2; i++) {
    const [before, after] = [i < 0 ? {} : steps[i], steps[i + 1]];
    const added = Object.keys(after)
      .sort()
      .some((l) => !isOutputLayer(io, after, l) && !(l in before) && after[l].trainable !== false);
    if (added) kept.push(after);
  }
  kept.push(steps[steps.length - 1]);
  return kept;
}

/** RETURNN's repetitions: an int, a list (padded with its last value) or a dict; `#repetition` wins. */
function repetitions(value: unknown, steps: NetDict[], where: string): number[] {
  const n = steps.length;
  const count = (v: unknown, what: string): number => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
      throw new ReproError(`${where}: ${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  let reps: number[];
  if (value === undefined || value === null || value === 0 || (Array.isArray(value) && value.length === 0))
    reps = Array(n).fill(1);
  else if (typeof value === "number") reps = Array(n).fill(count(value, "repetitions"));
  else if (Array.isArray(value)) {
    if (value.length > n)
      throw new ReproError(
        `${where}: repetitions has ${value.length} entries, but there are only ${n} steps`,
      );
    reps = value.map((v, i) => count(v, `repetitions[${i}]`));
    while (reps.length < n) reps.push(reps[reps.length - 1]);
  } else if (isPlainObject(value)) {
    reps = Array(n).fill(count(value.default ?? 1, "repetitions.default"));
    const keys = Object.keys(value).filter((k) => k !== "default");
    const order = (k: string) => (k === "final" ? Number.POSITIVE_INFINITY : Number(k));
    for (const k of keys.sort((a, b) => order(a) - order(b))) {
      const i = k === "final" ? n - 1 : Number(k) < 0 ? n + Number(k) : Number(k);
      if (!Number.isSafeInteger(i) || i < 0 || i >= n)
        throw new ReproError(
          `${where}: repetitions key "${k}" is not a step index in [0, ${n - 1}] or "final"`,
        );
      reps[i] = count(value[k], `repetitions["${k}"]`);
    }
  } else
    throw new ReproError(
      `${where}: repetitions must be an integer, a list or a dict, got ${JSON.stringify(value)}`,
    );
  steps.forEach((net, i) => {
    for (const k of Object.keys(net).filter((k) => k.startsWith("#"))) {
      if (k !== "#repetition")
        throw new ReproError(`${where}: step ${i}: "${k}" is not supported (only "#repetition")`);
      reps[i] = count(net[k], `step ${i}: #repetition`);
    }
    if ("#repetition" in net) {
      const { "#repetition": _, ...rest } = net;
      steps[i] = rest as NetDict;
    }
  });
  return reps;
}
