/**
 * Checkpoints: `OUT/checkpoints/epoch.NNN.safetensors` holds the parameters and
 * nothing else (any safetensors reader, and `repronet fingerprint`, see exactly
 * the model); `epoch.NNN.state.safetensors` beside it holds what an exact
 * resume needs: optimizer slots as tensors, and as JSON metadata the step
 * counters, data position, RNG seed and learning-rate history.
 *
 * Both files are written atomically (temp file, fsync, rename), the state
 * first. The parameter file's metadata carries the SHA-256 of the state file,
 * so a checkpoint counts as complete only when both files exist, parse, and
 * belong together: a crash at any point leaves the previous checkpoint as the
 * newest complete one.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../io/safetensors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";
import type { OptimizerState } from "./optimizer.js";

export const PARAMS_FORMAT = "repronet/params/1";
export const STATE_FORMAT = "repronet/train-state/1";

/** Everything besides parameters that continuing a run needs. */
export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  /** Parameter updates applied so far (dropout masks are keyed by it). */
  globalStep: number;
  /** Where training continues: 1-based epoch and the index of its next batch. */
  dataPosition: { epoch: number; batch: number };
  randomSeed: number;
  optimizer: OptimizerState;
  /** LearningRateControl.toJSON(). */
  learningRates: unknown;
  configHash: string;
}

export interface NamedParam {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export const checkpointDir = (outDir: string): string => join(outDir, "checkpoints");

const pad = (epoch: number) => String(epoch).padStart(3, "0");
export const paramsPath = (dir: string, epoch: number): string =>
  join(dir, `epoch.${pad(epoch)}.safetensors`);
export const statePath = (dir: string, epoch: number): string =>
  join(dir, `epoch.${pad(epoch)}.state.safetensors`);

const OPT_PREFIX = "optimizer/";

/** Writes the checkpoint of `state.epoch` into `dir`: the state file, then the parameter file. */
export function saveCheckpoint(
  dir: string,
  params: Iterable<[string, NamedParam]>,
  state: TrainState,
): string {
  mkdirSync(dir, { recursive: true });
  const { slots, ...optMeta } = state.optimizer;
  const stateTensors: Record<string, NamedTensor> = {};
  for (const [k, data] of Object.entries(slots)) {
    stateTensors[`${OPT_PREFIX}${k}`] = { dtype: "F32", shape: [data.length], data };
  }
  const { optimizer: _, ...rest } = state;
  const stateBytes = encodeSafetensors(stateTensors, {
    format: STATE_FORMAT,
    state: JSON.stringify({ ...rest, optimizer: optMeta }),
  });
  const paramTensors: Record<string, NamedTensor> = {};
  for (const [name, p] of params) paramTensors[name] = { dtype: "F32", shape: [...p.shape], data: p.data };
  const paramBytes = encodeSafetensors(paramTensors, {
    format: PARAMS_FORMAT,
    epoch: String(state.epoch),
    global_step: String(state.globalStep),
    state_sha256: sha256(stateBytes),
  });
  writeFileAtomic(statePath(dir, state.epoch), stateBytes);
  const path = paramsPath(dir, state.epoch);
  writeFileAtomic(path, paramBytes);
  return path;
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReproError(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${code})`);
  }
}

/** Float32 parameters of a safetensors file, by name (any other dtype is an error naming the tensor). */
export function readParams(path: string): Map<string, NamedParam> {
  const { tensors, metadata } = decodeSafetensors(readBytes(path), path);
  if (metadata.format === STATE_FORMAT)
    throw new ReproError(
      `${path}: this is training state, not parameters (use the epoch.NNN.safetensors beside it)`,
    );
  const out = new Map<string, NamedParam>();
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
    if (t.dtype !== "F32")
      throw new ReproError(`${path}: tensor "${name}" is ${t.dtype}, parameters are F32`);
    out.set(name, { shape: t.shape, data: t.data });
  }
  return out;
}

export interface LoadedCheckpoint {
  epoch: number;
  path: string;
  params: Map<string, NamedParam>;
  state: TrainState;
}

/** Loads and cross-checks a checkpoint pair; throws a ReproError when it is incomplete or inconsistent. */
export function loadCheckpoint(dir: string, epoch: number): LoadedCheckpoint {
  const path = paramsPath(dir, epoch);
  const params = decodeSafetensors(readBytes(path), path);
  if (params.metadata.format !== PARAMS_FORMAT) throw new ReproError(`${path}: not a repronet checkpoint`);
  const sPath = statePath(dir, epoch);
  const stateBytes = readBytes(sPath);
  if (sha256(stateBytes) !== params.metadata.state_sha256)
    throw new ReproError(`${sPath}: does not belong to ${path} (hash mismatch)`);
  const st = decodeSafetensors(stateBytes, sPath);
  if (st.metadata.format !== STATE_FORMAT) throw new ReproError(`${sPath}: not a repronet training state`);
  const meta = JSON.parse(st.metadata.state) as Omit<TrainState, "optimizer"> & {
    optimizer: Omit<OptimizerState, "slots">;
  };
  const slots: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(st.tensors)) {
    if (!k.startsWith(OPT_PREFIX) || t.dtype !== "F32")
      throw new ReproError(`${sPath}: unexpected tensor "${k}"`);
    slots[k.slice(OPT_PREFIX.length)] = t.data;
  }
  const named = new Map<string, NamedParam>();
  for (const [name, t] of Object.entries(params.tensors)) {
    if (t.dtype !== "F32")
      throw new ReproError(`${path}: tensor "${name}" is ${t.dtype}, parameters are F32`);
    named.set(name, { shape: t.shape, data: t.data });
  }
  return { epoch, path, params: named, state: { ...meta, optimizer: { ...meta.optimizer, slots } } };
}

/** Epoch numbers that have a parameter file in `dir`, descending. */
export function checkpointEpochs(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const epochs: number[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^epoch\.(\d+)\.safetensors$/.exec(f);
    if (m) epochs.push(Number(m[1]));
  }
  return epochs.sort((a, b) => b - a);
}

/** The newest complete checkpoint in `dir` (skipping incomplete or corrupt ones), or null. */
export function latestCheckpoint(dir: string): LoadedCheckpoint | null {
  for (const epoch of checkpointEpochs(dir)) {
    try {
      return loadCheckpoint(dir, epoch);
    } catch (e) {
      if (!(e instanceof ReproError) && !(e instanceof SyntaxError)) throw e;
    }
  }
  return null;
}

/**
 * The parameter file `repronet fingerprint` reads for a path: the file itself,
 * or for a run directory (or its checkpoints/ folder) the newest complete checkpoint.
 */
export function resolveParamsFile(path: string): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new ReproError(`${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return path;
  const dir = existsSync(checkpointDir(path)) ? checkpointDir(path) : path;
  const latest = latestCheckpoint(dir);
  if (!latest)
    throw new ReproError(`${path}: no complete checkpoint (looked for epoch.NNN.safetensors in ${dir})`);
  return latest.path;
}
