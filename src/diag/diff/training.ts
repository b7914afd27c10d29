/**
 * The Training section of two runs: per epoch from learning_rates.json (the
 * learning rate, every score both runs record, the step count), per step from
 * OUT/train.jsonl (objective, costs, errors, learning rate, gradient norm),
 * and per common checkpoint the parameter fingerprint. Times are never
 * compared. Score keys are RETURNN's: a run with one loss records `dev_score`,
 * one with several `dev_score_<loss>`; a bare key is matched to the other
 * run's key of the same loss.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  checkpointDir,
  checkpointName,
  type Fingerprint,
  fingerprintParams,
  learningRatesPath,
  listCheckpoints,
  loadCheckpoint,
  trainJsonlPath,
} from "../../rundir/index.js";
import { VOLATILE_META } from "../../train/learning-rate.js";
import { jsonEqual, sortedKeys } from "./format.js";
import { isPlain, type Json, type RunInput, readJsonFile } from "./inputs.js";
import { diffDivergence } from "./steps.js";
import type {
  CheckpointDiff,
  EpochDiff,
  LearningRatesDiff,
  StepDifference,
  StepsDiff,
  TrainingSection,
} from "./types.js";

/** Numbers as JSON writes them, non-finite ones as strings ("NaN"). */
const num = (v: unknown): unknown => (typeof v === "string" && /^-?(NaN|Infinity)$/.test(v) ? Number(v) : v);
const same = (a: unknown, b: unknown) => jsonEqual(num(a), num(b));
const byNumber = (a: string, b: string) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);

/** The names of a run's losses, from its step records (the cost and error keys). */
function lossNames(steps: Json[] | null): string[] {
  const first = steps?.[0];
  if (!first) return [];
  return sortedKeys({
    ...(isPlain(first.cost) ? first.cost : {}),
    ...(isPlain(first.error) ? first.error : {}),
  });
}

/** Renames bare `dev_score`-style keys of a one-loss run to `dev_score_<loss>` when the other run uses suffixes. */
function canonicalScores(scores: Json, losses: string[], otherSuffixed: boolean): Json {
  if (!otherSuffixed || losses.length !== 1) return scores;
  const out: Json = {};
  for (const [k, v] of Object.entries(scores))
    out[/^[a-z]+_(score|error)$/.test(k) ? `${k}_${losses[0]}` : k] = v;
  return out;
}

const suffixed = (epochs: Json) =>
  Object.values(epochs).some(
    (e) => isPlain(e) && isPlain(e.scores) && Object.keys(e.scores).some((k) => /_(score|error)_/.test(k)),
  );

function epochsOf(raw: unknown): Json | null {
  return isPlain(raw) && isPlain(raw.epochs) ? raw.epochs : null;
}

export function diffLearningRates(
  rawA: unknown,
  rawB: unknown,
  lossesA: string[],
  lossesB: string[],
): LearningRatesDiff | null {
  const [ea, eb] = [epochsOf(rawA), epochsOf(rawB)];
  if (!ea || !eb) return null;
  const [sufA, sufB] = [suffixed(ea), suffixed(eb)];
  const scoresOf = (e: unknown, losses: string[], other: boolean): Json =>
    canonicalScores(isPlain(e) && isPlain(e.scores) ? e.scores : {}, losses, other);
  const stableMeta = (e: unknown): Json =>
    isPlain(e) && isPlain(e.meta)
      ? Object.fromEntries(
          Object.entries(e.meta).filter(([k]) => !VOLATILE_META.includes(k) && !/time|_at$/.test(k)),
        )
      : {};
  const keysA = new Set<string>();
  const keysB = new Set<string>();
  const epochs: EpochDiff[] = [];
  for (const epoch of Object.keys(ea)
    .filter((e) => e in eb)
    .sort(byNumber)) {
    const [sa, sb] = [scoresOf(ea[epoch], lossesA, sufB), scoresOf(eb[epoch], lossesB, sufA)];
    for (const k of Object.keys(sa)) keysA.add(k);
    for (const k of Object.keys(sb)) keysB.add(k);
    const common = sortedKeys(sa).filter((k) => k in sb);
    const firstKey = common.find((k) => !same(sa[k], sb[k]));
    const lrA = isPlain(ea[epoch]) ? ea[epoch].learningRate : undefined;
    const lrB = isPlain(eb[epoch]) ? eb[epoch].learningRate : undefined;
    epochs.push({
      epoch,
      learningRate: { a: lrA, b: lrB, equal: same(lrA, lrB) },
      scoresEqual: firstKey === undefined,
      ...(firstKey !== undefined && { firstScore: { key: firstKey, a: sa[firstKey], b: sb[firstKey] } }),
      metaEqual: jsonEqual(stableMeta(ea[epoch]), stableMeta(eb[epoch])),
    });
  }
  const first = epochs.find((e) => !e.learningRate.equal || !e.scoresEqual || !e.metaEqual);
  return {
    epochs,
    firstDiffering: first?.epoch ?? null,
    epochsOnlyA: Object.keys(ea)
      .filter((e) => !(e in eb))
      .sort(byNumber),
    epochsOnlyB: Object.keys(eb)
      .filter((e) => !(e in ea))
      .sort(byNumber),
    scoreKeysOnlyA: [...keysA].filter((k) => !keysB.has(k)).sort(),
    scoreKeysOnlyB: [...keysB].filter((k) => !keysA.has(k)).sort(),
  };
}

/** OUT/train.jsonl as records (lines that do not parse are skipped), or null when there is none. */
export function readSteps(dir: string): Json[] | null {
  const path = trainJsonlPath(dir);
  if (!existsSync(path)) return null;
  const out: Json[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const r = JSON.parse(line);
      if (isPlain(r)) out.push(r);
    } catch {
      // a line cut by a crash
    }
  }
  return out;
}

/** Fields of a step record compared, in this order; dicts compare their common keys. */
const OBJECTIVE_FIELDS = ["loss", "cost", "error"];
const OTHER_FIELDS = ["learning_rate", "grad_norms", "grad_norm"]; // per-parameter norms name the parameter

const stepKey = (r: Json, i: number): string =>
  String(typeof r.global_step === "number" ? r.global_step : `#${i}`);

/** The first of `fields` that differs between two records of the same step. */
function firstField(ra: Json, rb: Json, fields: string[]): StepDifference | null {
  for (const f of fields) {
    const [va, vb] = [ra[f], rb[f]];
    if (isPlain(va) && isPlain(vb)) {
      const k = sortedKeys(va).find((key) => key in vb && !same(va[key], vb[key]));
      if (k !== undefined) return at(ra, `${f}:${k}`, va[k], vb[k]);
    } else if (!same(va, vb)) return at(ra, f, va, vb);
  }
  return null;
}

export function diffSteps(a: Json[], b: Json[]): StepsDiff {
  const mapB = new Map(b.map((r, i) => [stepKey(r, i), r]));
  const keysA = new Set<string>();
  const keysB = new Set<string>();
  let compared = 0;
  let first: StepDifference | null = null;
  let firstOther: StepDifference | null = null;
  a.forEach((ra, i) => {
    const rb = mapB.get(stepKey(ra, i));
    if (!rb) return;
    compared++;
    for (const k of Object.keys(isPlain(ra.cost) ? ra.cost : {})) keysA.add(k);
    for (const k of Object.keys(isPlain(rb.cost) ? rb.cost : {})) keysB.add(k);
    first ??= firstField(ra, rb, OBJECTIVE_FIELDS);
    firstOther ??= firstField(ra, rb, OTHER_FIELDS);
  });
  const keysOfA = new Set(a.map(stepKey));
  return {
    compared,
    first,
    firstOther,
    stepsOnlyA: a.length - compared,
    stepsOnlyB: b.filter((r, i) => !keysOfA.has(stepKey(r, i))).length,
    costKeysOnlyA: [...keysA].filter((k) => !keysB.has(k)).sort(),
    costKeysOnlyB: [...keysB].filter((k) => !keysA.has(k)).sort(),
  };
}

function at(r: Json, field: string, a: unknown, b: unknown): StepDifference {
  const n = (v: unknown) => (typeof v === "number" ? v : null);
  return { epoch: n(r.epoch), step: n(r.step), globalStep: n(r.global_step) ?? -1, field, a, b };
}

type Param = { shape: readonly number[]; data: Float32Array };

export interface LoadedParams {
  name: string;
  epoch: number;
  path: string;
  params: Map<string, Param>;
}

/**
 * A run's checkpoints, oldest first, each loaded when needed. One that does
 * not load (corrupt, incomplete) is an error naming it: a verdict must never
 * rest on a silently skipped checkpoint.
 */
function runCheckpoints(run: RunInput): Map<string, () => LoadedParams> {
  const dir = checkpointDir(run.dir);
  const out = new Map<string, () => LoadedParams>();
  for (const id of listCheckpoints(dir).reverse()) {
    const name = checkpointName(id);
    out.set(name, () => {
      const c = loadCheckpoint(dir, id);
      return { name, epoch: id.epoch, path: c.path, params: c.params };
    });
  }
  return out;
}

export interface TrainingResult {
  section: TrainingSection;
  /** The newest common checkpoint both runs could load, for the Parameters section. */
  newest: { a: LoadedParams; b: LoadedParams } | null;
}

/** Fingerprints of the parameters both have (when the name sets differ). */
function shared(a: LoadedParams, b: LoadedParams): boolean {
  const names = [...a.params.keys()].filter((n) => b.params.has(n));
  const pick = (p: LoadedParams) => names.map((n): [string, Param] => [n, p.params.get(n)!]);
  return fingerprintParams(pick(a)).digest === fingerprintParams(pick(b)).digest;
}

export function diffTraining(a: RunInput, b: RunInput): TrainingResult {
  const notes: string[] = [];
  const [lrA, lrB] = [
    readJsonFile(learningRatesPath(a.dir), [], ""),
    readJsonFile(learningRatesPath(b.dir), [], ""),
  ];
  if (!epochsOf(lrA) || !epochsOf(lrB)) notes.push("learning_rates.json missing or unreadable in A or B");
  const [stepsA, stepsB] = [readSteps(a.dir), readSteps(b.dir)];
  if (!stepsA || !stepsB) notes.push("train.jsonl missing in A or B: steps not compared");
  const learningRates = diffLearningRates(lrA, lrB, lossNames(stepsA), lossNames(stepsB));
  const steps = stepsA && stepsB ? diffSteps(stepsA, stepsB) : null;
  const [ca, cb] = [runCheckpoints(a), runCheckpoints(b)];
  const checkpoints: CheckpointDiff[] = [];
  let newest: TrainingResult["newest"] = null;
  for (const [name, loadA] of ca) {
    const loadB = cb.get(name);
    if (!loadB) continue;
    const [pa, pb] = [loadA(), loadB()];
    const [fa, fb]: Fingerprint[] = [fingerprintParams(pa.params), fingerprintParams(pb.params)];
    const equal = fa.digest === fb.digest;
    const sameNames = jsonEqual([...pa.params.keys()].sort(), [...pb.params.keys()].sort());
    checkpoints.push({
      name,
      epoch: pa.epoch,
      digestA: fa.digest,
      digestB: fb.digest,
      equal,
      ...(!equal && !sameNames && { sharedEqual: shared(pa, pb) }),
    });
    newest = { a: pa, b: pb };
  }
  const first = checkpoints.find((c) => !c.equal);
  return {
    section: {
      learningRates,
      steps,
      checkpoints,
      checkpointsOnlyA: [...ca.keys()].filter((n) => !cb.has(n)),
      checkpointsOnlyB: [...cb.keys()].filter((n) => !ca.has(n)),
      firstDifferingCheckpoint: first?.name ?? null,
      firstDifferingEpoch: first?.epoch ?? null,
      notes,
      divergence: diffDivergence(a.dir, b.dir, stepsA, stepsB),
    },
    newest,
  };
}
