/**
 * Checkpoints: `OUT/checkpoints/epoch.NNN.safetensors` holds the parameters and
 * nothing else (any safetensors reader, and `repronet fingerprint`, see exactly
 * the model); `epoch.NNN.state.safetensors` beside it holds what an exact
 * resume needs: optimizer slots and accumulated gradients as tensors, and as
 * JSON metadata the step counters, data position, RNG seed, learning-rate
 * history and the scores of an unfinished epoch.
 *
 * Names: `epoch.NNN` after epoch NNN, `epoch.pretrain.NNN` after a pretrain
 * epoch (RETURNN's `.pretrain.NNN`), `epoch.NNN.step.S` inside epoch NNN after
 * its first S steps (written when training is interrupted).
 *
 * Both files are written atomically (temp file, fsync, rename), the state
 * first. Each carries the SHA-256 of its tensor bytes (checksum.ts), verified
 * on every read; the state also records the parameters' fingerprint and the
 * parameter file's metadata the state file's SHA-256, so a checkpoint counts as
 * complete only when both files exist, parse, belong together and the
 * parameters are the ones the state describes: a crash at any point leaves the
 * previous checkpoint as the newest complete one, and no checkpoint loads as
 * valid but corrupt. Files written before checksums existed still load (a
 * pair is still cross-checked by fingerprint and hash); reading one alone
 * says it is unverified.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeSafetensors, type NamedTensor } from "../io/safetensors.js";
import type { OptimizerState } from "../train/optimizer.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";
import { encodeWithChecksum, sha256Hex, verifyChecksum } from "./checksum.js";
import { fingerprintParams } from "./fingerprint.js";
import { brokenDir, checkpointDir, ensureDir, fsErrorLine, isFsError, withFsErrors } from "./layout.js";

export const PARAMS_FORMAT = "repronet/params/1";
export const STATE_FORMAT = "repronet/train-state/1";

/** Everything besides parameters that continuing a run needs. */
export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  /** Batches trained so far (dropout masks and per-step schedules are keyed by it). */
  globalStep: number;
  /** Where training continues: 1-based epoch and the index of its next batch. */
  dataPosition: { epoch: number; batch: number };
  randomSeed: number;
  optimizer: OptimizerState;
  /** LearningRateControl.toJSON(). */
  learningRates: unknown;
  configHash: string;
  /** Gradients summed since the last update (accum_grad_multiple_step > 1), by parameter name. */
  accumulated?: { count: number; sums: Record<string, Float32Array> };
  /** Inside an epoch: the epoch's score sums so far (ScoreSums.toJSON()) and its training seconds. */
  epochProgress?: { sums: unknown; elapsed: number };
}

export interface NamedParam {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Which checkpoint: after `epoch` (step null), or inside it after `step` batches. */
export interface CheckpointId {
  epoch: number;
  pretrain: boolean;
  step: number | null;
}

const pad = (epoch: number) => String(epoch).padStart(3, "0");
const asId = (id: number | CheckpointId): CheckpointId =>
  typeof id === "number" ? { epoch: id, pretrain: false, step: null } : id;

/** `epoch.003`, `epoch.pretrain.002`, `epoch.004.step.17`. */
export function checkpointName(id: number | CheckpointId): string {
  const { epoch, pretrain, step } = asId(id);
  return `epoch.${pretrain ? "pretrain." : ""}${pad(epoch)}${step === null ? "" : `.step.${step}`}`;
}
export const paramsPath = (dir: string, id: number | CheckpointId): string =>
  join(dir, `${checkpointName(id)}.safetensors`);
export const statePath = (dir: string, id: number | CheckpointId): string =>
  join(dir, `${checkpointName(id)}.state.safetensors`);

const NAME = /^epoch\.(pretrain\.)?(\d+)(?:\.step\.(\d+))?\.safetensors$/;

/** Where training continues after a checkpoint, as a sortable pair. */
const position = (id: CheckpointId): [number, number] =>
  id.step === null ? [id.epoch + 1, 0] : [id.epoch, id.step];
const later = (a: CheckpointId, b: CheckpointId) => {
  const [pa, pb] = [position(a), position(b)];
  return pa[0] - pb[0] || pa[1] - pb[1];
};

const OPT_PREFIX = "optimizer/";
const ACC_PREFIX = "accum/";

/** Test hook: `REPRONET_TEST_KILL_IN_CHECKPOINT=<point>[:<n>]` SIGKILLs the process at the n-th save's point. */
let saves = 0;
function killPoint(point: "before-state" | "after-state" | "after-params"): void {
  const spec = process.env.REPRONET_TEST_KILL_IN_CHECKPOINT;
  if (!spec) return;
  const [at, n = "1"] = spec.split(":");
  if (at === point && Number(n) === saves) process.kill(process.pid, "SIGKILL");
}

/** Writes a checkpoint into `dir`: the state file, then the parameter file. Returns the parameter file's path. */
export function saveCheckpoint(
  dir: string,
  params: Iterable<[string, NamedParam]>,
  state: TrainState,
  id: CheckpointId = { epoch: state.epoch, pretrain: false, step: null },
): string {
  saves++;
  ensureDir(dir, "checkpoint directory");
  const list = [...params];
  const { slots, ...optMeta } = state.optimizer;
  const stateTensors: Record<string, NamedTensor> = {};
  const vector = (data: Float32Array): NamedTensor => ({ dtype: "F32", shape: [data.length], data });
  for (const [k, data] of Object.entries(slots)) stateTensors[`${OPT_PREFIX}${k}`] = vector(data);
  for (const [k, data] of Object.entries(state.accumulated?.sums ?? {}))
    stateTensors[`${ACC_PREFIX}${k}`] = vector(data);
  const { optimizer: _, accumulated, ...rest } = state;
  const meta = {
    ...rest,
    optimizer: optMeta,
    ...(accumulated && { accumulatedCount: accumulated.count }),
    paramsFingerprint: fingerprintParams(list).digest,
  };
  const stateBytes = encodeWithChecksum(stateTensors, {
    format: STATE_FORMAT,
    state: JSON.stringify(meta, finiteJson),
  });
  const paramTensors: Record<string, NamedTensor> = {};
  for (const [name, p] of list) paramTensors[name] = { dtype: "F32", shape: [...p.shape], data: p.data };
  const paramBytes = encodeWithChecksum(paramTensors, {
    format: PARAMS_FORMAT,
    epoch: String(state.epoch),
    global_step: String(state.globalStep),
    state_sha256: sha256Hex(stateBytes),
  });
  killPoint("before-state");
  withFsErrors(() => writeFileAtomic(statePath(dir, id), stateBytes), statePath(dir, id));
  killPoint("after-state");
  const path = paramsPath(dir, id);
  withFsErrors(() => writeFileAtomic(path, paramBytes), path);
  killPoint("after-params");
  return path;
}

/** JSON replacer: non-finite numbers as strings ("NaN", "Infinity"); readers turn them back with Number(). */
export const finiteJson = (_: string, v: unknown): unknown =>
  typeof v === "number" && !Number.isFinite(v) ? String(v) : v;

function readBytes(path: string): Uint8Array {
  try {
    return readWhole(path);
  } catch (e) {
    if (e instanceof ReproError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ReproError(`${path}: no such file`);
    throw new ReproError(isFsError(e) ? fsErrorLine(e, path) : `${path}: cannot read`);
  }
}

/** Decodes a safetensors file and verifies its checksum; false in `verified` when it has none. */
function readChecked(path: string) {
  const bytes = readBytes(path);
  const file = decodeSafetensors(bytes, path);
  return { ...file, verified: verifyChecksum(bytes, file.metadata, path) };
}

export interface ReadParamsOptions {
  /** Load a `.broken` checkpoint (the parameters before a non-finite step) too. */
  allowBroken?: boolean;
  /** Receives a note when the file has no checksum (default: stderr). */
  note?: (line: string) => void;
}

/** A `.broken` checkpoint: by name, or by the error its metadata records. */
export const isBroken = (path: string, metadata: Record<string, string>): boolean =>
  /\.broken\.safetensors$/.test(path) || metadata.broken === "true" || metadata.error !== undefined;

/**
 * Float32 parameters of a safetensors file, by name (any other dtype is an
 * error naming the tensor). A repronet file's checksum is verified; a
 * `.broken` checkpoint is refused unless `allowBroken`.
 */
export function readParams(path: string, o: ReadParamsOptions = {}): Map<string, NamedParam> {
  const { tensors, metadata, verified } = readChecked(path);
  if (metadata.format === STATE_FORMAT)
    throw new ReproError(
      `${path}: this is training state, not parameters (use the epoch.NNN.safetensors beside it)`,
    );
  if (!o.allowBroken && isBroken(path, metadata))
    throw new ReproError(
      `${path}: a broken checkpoint (saved before a step that was not finite); pass --allow-broken to load it`,
    );
  if (!verified && metadata.format === PARAMS_FORMAT)
    (o.note ?? ((l) => process.stderr.write(`${l}\n`)))(
      `note: ${path} has no checksum (written by an older repronet); loaded unverified`,
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
  /** Epochs completed. */
  epoch: number;
  id: CheckpointId;
  path: string;
  params: Map<string, NamedParam>;
  state: TrainState;
}

/** Loads and cross-checks a checkpoint pair; throws a ReproError when it is incomplete or inconsistent. */
export function loadCheckpoint(dir: string, which: number | CheckpointId): LoadedCheckpoint {
  const id = asId(which);
  const path = paramsPath(dir, id);
  const params = readChecked(path);
  if (params.metadata.format !== PARAMS_FORMAT) throw new ReproError(`${path}: not a repronet checkpoint`);
  const sPath = statePath(dir, id);
  const stateBytes = readBytes(sPath);
  const st = decodeSafetensors(stateBytes, sPath);
  verifyChecksum(stateBytes, st.metadata, sPath);
  if (sha256Hex(stateBytes) !== params.metadata.state_sha256)
    throw new ReproError(`${sPath}: does not belong to ${path} (hash mismatch)`);
  if (st.metadata.format !== STATE_FORMAT) throw new ReproError(`${sPath}: not a repronet training state`);
  const { paramsFingerprint, accumulatedCount, ...meta } = parseStateJson(st.metadata.state, sPath) as Omit<
    TrainState,
    "optimizer" | "accumulated"
  > & { optimizer: Omit<OptimizerState, "slots">; paramsFingerprint?: string; accumulatedCount?: number };
  const slots: Record<string, Float32Array> = {};
  const sums: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(st.tensors)) {
    if (t.dtype !== "F32") throw new ReproError(`${sPath}: unexpected tensor "${k}"`);
    if (k.startsWith(OPT_PREFIX)) slots[k.slice(OPT_PREFIX.length)] = t.data;
    else if (k.startsWith(ACC_PREFIX)) sums[k.slice(ACC_PREFIX.length)] = t.data;
    else throw new ReproError(`${sPath}: unexpected tensor "${k}"`);
  }
  const named = new Map<string, NamedParam>();
  for (const [name, t] of Object.entries(params.tensors)) {
    if (t.dtype !== "F32")
      throw new ReproError(`${path}: tensor "${name}" is ${t.dtype}, parameters are F32`);
    named.set(name, { shape: t.shape, data: t.data });
  }
  if (paramsFingerprint !== undefined && fingerprintParams(named).digest !== paramsFingerprint)
    throw new ReproError(`${path}: the parameters are not the ones its state file describes`);
  const state: TrainState = { ...meta, optimizer: { ...meta.optimizer, slots } };
  if (accumulatedCount !== undefined) state.accumulated = { count: accumulatedCount, sums };
  return { epoch: state.epoch, id, path, params: named, state };
}

/** Checkpoints with a parameter file in `dir`, newest (furthest training position) first. */
export function listCheckpoints(dir: string): CheckpointId[] {
  if (!existsSync(dir)) return [];
  const ids: CheckpointId[] = [];
  for (const f of readdirSync(dir)) {
    const m = NAME.exec(f);
    if (m)
      ids.push({
        epoch: Number(m[2]),
        pretrain: m[1] !== undefined,
        step: m[3] === undefined ? null : Number(m[3]),
      });
  }
  return ids.sort((a, b) => later(b, a) || Number(a.pretrain) - Number(b.pretrain));
}

/** Epoch numbers of end-of-epoch checkpoints in `dir`, descending. */
export function checkpointEpochs(dir: string): number[] {
  return listCheckpoints(dir)
    .filter((id) => id.step === null)
    .map((id) => id.epoch);
}

/** A checkpoint that could not be loaded, and why. */
export interface SkippedCheckpoint {
  path: string;
  reason: string;
}

/**
 * The newest complete checkpoint in `dir`, or null. Checkpoints that do not
 * load (incomplete, corrupt, not belonging together) are skipped and, when
 * `skipped` is given, listed there, newest first: callers say so.
 */
export function latestCheckpoint(dir: string, skipped: SkippedCheckpoint[] = []): LoadedCheckpoint | null {
  for (const id of listCheckpoints(dir)) {
    try {
      return loadCheckpoint(dir, id);
    } catch (e) {
      if (!(e instanceof ReproError)) throw e;
      skipped.push({ path: paramsPath(dir, id), reason: e.message });
    }
  }
  return null;
}

/** The state file's JSON metadata; a ReproError naming the file when it does not parse. */
function parseStateJson(text: string | undefined, path: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text ?? "");
    if (v !== null && typeof v === "object") return v;
  } catch {
    // falls through
  }
  throw new ReproError(`${path}: corrupt (its training state does not parse)`);
}

/** Deletes a checkpoint: the parameter file first, so a half-deleted one is incomplete, never half valid. */
export function deleteCheckpoint(dir: string, id: CheckpointId): void {
  withFsErrors(() => rmSync(paramsPath(dir, id), { force: true }));
  withFsErrors(() => rmSync(statePath(dir, id), { force: true }));
}

/** Deletes checkpoints taken inside epochs that `done` (a complete checkpoint) has passed. */
export function deleteSuperseded(dir: string, done: CheckpointId): void {
  for (const id of listCheckpoints(dir))
    if (id.step !== null && later(done, id) > 0) deleteCheckpoint(dir, id);
}

/**
 * `OUT/broken/epoch.NNN.broken.safetensors`: the parameters just before the step
 * whose objective or gradient was not finite, with the error and the batch as
 * metadata (RETURNN writes `model.NNN.broken`). Loads only with `allowBroken`.
 */
export function saveBroken(
  outDir: string,
  epoch: number,
  params: Iterable<[string, NamedParam]>,
  meta: Record<string, string>,
): string {
  const dir = brokenDir(outDir);
  ensureDir(dir, "broken-checkpoint directory");
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, p] of params) tensors[name] = { dtype: "F32", shape: [...p.shape], data: p.data };
  const path = join(dir, `epoch.${pad(epoch)}.broken.safetensors`);
  const bytes = encodeWithChecksum(tensors, { format: PARAMS_FORMAT, ...meta, broken: "true" });
  withFsErrors(() => writeFileAtomic(path, bytes), path);
  return path;
}

/**
 * The parameter file `repronet fingerprint` reads for a path: the file itself,
 * or for a run directory (or its checkpoints/ folder) its newest checkpoint,
 * which must load: a corrupt newest checkpoint is an error naming it, never a
 * silent fallback to an older one.
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
  const [newest] = listCheckpoints(dir);
  if (!newest) throw new ReproError(`${path}: no checkpoint (looked for epoch.NNN.safetensors in ${dir})`);
  return loadCheckpoint(dir, newest).path;
}

/** The file's bytes; read in 1 GiB pieces, as readFileSync refuses files of 2 GiB or more (big optimizer states). */
function readWhole(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const out = Buffer.allocUnsafe(fstatSync(fd).size);
    for (let off = 0; off < out.length; ) {
      const n = readSync(fd, out, off, Math.min(out.length - off, 1 << 30), off);
      if (n === 0) throw new ReproError(`${path}: file shrank while being read`);
      off += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
