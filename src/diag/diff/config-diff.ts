/**
 * The Config section: a structural diff of two resolved configs (key paths
 * added, removed or changed, old → new), the network compared layer by layer
 * (network.ts), and the learning-rate control's error measure as each config
 * would choose it. Every difference says whether it can affect training.
 */
import { CONFIG_DEFAULTS, KNOWN_CONFIG_KEYS } from "../../config/index.js";
import { configHash } from "../../rundir/index.js";
import { chooseErrorMeasure } from "../../train/error-measure.js";
import { parseLrSettings } from "../../train/learning-rate.js";
import { ReproError } from "../../util/errors.js";
import { jsonEqual, sortedKeys } from "./format.js";
import { isPlain, type Json } from "./inputs.js";
import { diffNetworks, lossInfos } from "./network.js";
import type { ConfigSection, Effect, KeyChange } from "./types.js";

/** Keys whose value cannot change what training computes. */
const NO_EFFECT: Record<string, string> = {
  beam_size: "search only",
  cleanup_old_models: "decides which checkpoints are kept, not what is trained",
  debug_grad: "logging only",
  fingerprint_every_n_steps: "logging only",
  learning_rate_file: "no effect: the history goes to OUT/learning_rates.json",
  log_every_n_steps: "logging only",
  log_grad_norms: "logging only",
  log_verbosity: "logging only",
  log_zero_scaled_losses: "logging only",
  model: "no effect: --out decides where checkpoints go",
  save_interval: "decides which epochs are saved, not what is trained",
  search_data: "search only",
  search_output_layer: "search only",
  task: "not read by training",
  threads: "recorded only: results never depend on the thread count",
};

const PRETRAIN_ONLY = new Set([
  "pretrain_learning_rate",
  "pretrain_reset_optimizer",
  "use_learning_rate_control_always",
]);
const SCORED_ONLY = new Set(["dev", "eval_datasets", "dev_bleu_every_n_epochs"]);

const MEASURE_KEYS = new Set([
  "learning_rate_control_error_measure",
  "learning_rate_control_error_measure_rule",
]);

const controlOf = (c: Json): unknown => c.learning_rate_control ?? "constant";

/** Whether a change of top-level key `key` can affect training, and why. */
export function keyEffect(key: string, a: Json, b: Json): { effect: Effect; reason: string } {
  if (key in NO_EFFECT) return { effect: "none", reason: NO_EFFECT[key] };
  if (!KNOWN_CONFIG_KEYS.has(key))
    return { effect: "affects", reason: "unknown config key (training rejects it)" };
  const constant = controlOf(a) === "constant" && controlOf(b) === "constant";
  const lrKey = key.startsWith("newbob_") || key.startsWith("learning_rate_control_");
  if (lrKey && constant)
    return { effect: "none", reason: "read by the learning-rate control only, which is constant in both" };
  if (PRETRAIN_ONLY.has(key) && a.pretrain == null && b.pretrain == null)
    return { effect: "none", reason: "only matters with pretrain, which neither config uses" };
  if (SCORED_ONLY.has(key))
    return constant
      ? { effect: "none", reason: "scored only: the learning rate is constant in both" }
      : { effect: "affects", reason: "its scores drive the learning-rate control" };
  if (key === "num_epochs")
    return {
      effect: "affects",
      reason: "trains a different number of epochs (the common ones are unaffected)",
    };
  if (key === "random_seed")
    return { effect: "affects", reason: "seeds initialisation, dropout and data order" };
  return { effect: "affects", reason: "can affect training" };
}

/** Key paths that differ (dicts recursed, other values compared whole), `network` left out. */
export function diffKeys(a: Json, b: Json): KeyChange[] {
  const out: KeyChange[] = [];
  const walk = (x: Json, y: Json, prefix: string, top: string | null) => {
    for (const k of sortedKeys({ ...x, ...y })) {
      if (top === null && k === "network" && (isPlain(x.network) || isPlain(y.network))) continue;
      const path = `${prefix}${k}`;
      const [inX, inY] = [k in x && x[k] !== undefined, k in y && y[k] !== undefined];
      // Training reads a top-level null as unset (`config[key] ?? default`).
      const nullVsUnset = top === null && inX !== inY && (x[k] ?? y[k]) === null;
      const defaultVsUnset =
        top === null &&
        inX !== inY &&
        CONFIG_DEFAULTS.has(k) &&
        jsonEqual(x[k] ?? y[k], CONFIG_DEFAULTS.get(k));
      const effect = nullVsUnset
        ? { effect: "none" as Effect, reason: "null and unset both mean the default" }
        : defaultVsUnset
          ? { effect: "none" as Effect, reason: "set to the default, which unset means" }
          : keyEffect(top ?? k, a, b);
      if (inX && !inY) out.push({ path, change: "removed", a: x[k], ...effect });
      else if (!inX && inY) out.push({ path, change: "added", b: y[k], ...effect });
      else if (isPlain(x[k]) && isPlain(y[k])) walk(x[k] as Json, y[k] as Json, `${path}.`, top ?? k);
      else if (!jsonEqual(x[k], y[k])) out.push({ path, change: "changed", a: x[k], b: y[k], ...effect });
    }
  };
  walk(a, b, "", null);
  return out;
}

type Measure = { key: string | null; error?: string };

/** `dev_score_output/output_prob` → its (set, kind, loss); a bare `dev_score` names the only loss. */
function measureTarget(key: string, losses: { name: string }[]): string {
  const m = /^(dev|train)_(score|error)(?:_(.+))?$/.exec(key);
  if (!m) return key;
  return `${m[1]}_${m[2]}:${m[3] ?? losses[0]?.name ?? ""}`;
}

/** The error measure each config makes training choose; null when both choose the same score. */
function diffErrorMeasure(
  a: Json,
  b: Json,
  fileA: string,
  fileB: string,
  net: ReturnType<typeof diffNetworks>,
): { section: ConfigSection["errorMeasure"]; same: string | null } {
  if (!net.rolesA || !net.rolesB) return { section: null, same: null };
  const lossesA = lossInfos(net.rolesA);
  const lossesB = lossInfos(net.rolesB);
  const choose = (c: Json, file: string, losses: typeof lossesA): Measure => {
    try {
      return { key: chooseErrorMeasure(parseLrSettings(c, file), losses, c.dev != null).key };
    } catch (e) {
      if (e instanceof ReproError) return { key: null, error: e.message };
      throw e;
    }
  };
  const [ma, mb] = [choose(a, fileA, lossesA), choose(b, fileB, lossesB)];
  if (ma.key === mb.key && ma.error === mb.error) return { section: null, same: ma.key };
  const base = { a: ma.error ?? ma.key, b: mb.error ?? mb.key };
  const section = (effect: Effect, reason: string) => ({ section: { ...base, effect, reason }, same: null });
  if (ma.error || mb.error)
    return section("affects", "one config's error measure is not a score training records");
  const constant = controlOf(a) === "constant" && controlOf(b) === "constant";
  const same =
    ma.key !== null && mb.key !== null && measureTarget(ma.key, lossesA) === measureTarget(mb.key, lossesB);
  if (same) return section("none", "the same loss; its key name follows the number of losses");
  if (constant) return section("none", "the learning rate is constant in both");
  return section("affects", "the learning-rate control reads another score");
}

/** The Config section for two resolved configs. */
export function diffConfigs(a: Json, b: Json, fileA: string, fileB: string): ConfigSection {
  const hashA = configHash(a);
  const hashB = configHash(b);
  const keys = diffKeys(a, b);
  const net = diffNetworks(a, b, fileA, fileB);
  const measure = diffErrorMeasure(a, b, fileA, fileB, net);
  const errorMeasure = measure.section;
  // The keys that choose the error measure cannot matter when both configs choose the same score.
  for (const k of keys)
    if (MEASURE_KEYS.has(k.path) && k.effect === "affects" && measure.same !== null) {
      k.effect = "none";
      k.reason = `both configs make training read ${measure.same}`;
    }
  const affecting =
    keys.filter((k) => k.effect === "affects").length +
    net.layers.filter((l) => l.effect === "affects").length +
    (errorMeasure?.effect === "affects" ? 1 : 0);
  return {
    identical: hashA === hashB,
    hashA,
    hashB,
    keys,
    layers: net.layers,
    errorMeasure,
    ...(net.error !== undefined && { networkError: net.error }),
    affecting,
  };
}
