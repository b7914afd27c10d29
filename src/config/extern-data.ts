/**
 * `extern_data` as RETURNN writes it, read into one form {dim, sparse} per key
 * (any key names: `data`, `classes`, `bpe`, `delayed`, ...):
 *
 *   {"dim": 40}                          dense, [B, T, 40]
 *   {"shape": (None, 40)}                dense, dim from the shape
 *   {"dim": 10025, "sparse": True}       sparse labels, [B, T]
 *   [dim, ndim]                          RETURNN's tuple form: ndim 1 sparse, 2 dense
 *
 * RETURNN: data is dense unless `sparse` says otherwise. Also `num_outputs` /
 * `num_inputs` → extern_data (returnn/tf/network.py:_num_inputs_outputs_from_config):
 * a bare int is [v, 2] for `data` and [v, 1] otherwise; `num_inputs` is
 * `data` [n, 2]; an int `num_outputs` is the target (`classes`) [v, 1].
 */
import { ReproError } from "../util/errors.js";
import { isPlainObject } from "./plain.js";

export interface ExternSpec {
  readonly dim: number;
  readonly sparse: boolean;
}

const OPTIONS = ["available_for_inference", "dim", "dtype", "same_dim_tags_as", "shape", "sparse", "vocab"];

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v > 0;

/** One key's spec in any RETURNN form → {dim, sparse}; errors name the key and option. */
export function normalizeExternSpec(raw: unknown, where: string): ExternSpec {
  if (Array.isArray(raw)) {
    const [dim, ndim] = raw;
    if (raw.length !== 2 || !isCount(dim) || !isCount(ndim))
      throw new ReproError(
        `${where}: the tuple form is [dim, ndim] with positive integers, got ${JSON.stringify(raw)}`,
      );
    if (ndim > 2)
      throw new ReproError(
        `${where}: [${dim}, ${ndim}]: data with ${ndim - 1} spatial axes is not supported yet`,
      );
    return { dim, sparse: ndim === 1 };
  }
  if (!isPlainObject(raw)) throw new ReproError(`${where}: must be a dict like {"dim": 40} or [dim, ndim]`);
  for (const k of Object.keys(raw))
    if (!OPTIONS.includes(k)) throw new ReproError(`${where}: unknown option "${k}"`);
  const dtype = raw.dtype;
  if (dtype !== undefined && typeof dtype !== "string")
    throw new ReproError(`${where}: option "dtype" must be a string, got ${JSON.stringify(dtype)}`);
  // An int dtype without `sparse` means labels (as repronet always read it); otherwise dense, as in RETURNN.
  const intLabels =
    typeof dtype === "string" &&
    dtype.startsWith("int") &&
    !(Array.isArray(raw.shape) && raw.shape.length === 2);
  const sparse = raw.sparse ?? intLabels;
  if (typeof sparse !== "boolean")
    throw new ReproError(`${where}: option "sparse" must be True or False, got ${JSON.stringify(sparse)}`);
  const shape = raw.shape;
  if (shape !== undefined && shape !== null) {
    const ok = Array.isArray(shape) && shape.every((d) => d === null || isCount(d));
    if (!ok)
      throw new ReproError(
        `${where}: option "shape" must be a list of sizes or None, got ${JSON.stringify(shape)}`,
      );
    const want = sparse ? 1 : 2;
    if (shape.length !== want || shape[0] !== null)
      throw new ReproError(
        `${where}: shape ${JSON.stringify(shape)} is not supported yet (${sparse ? "sparse: [None]" : "dense: [None, dim]"})`,
      );
  }
  const dim = raw.dim ?? (!sparse && Array.isArray(shape) ? shape[1] : undefined);
  if (!isCount(dim))
    throw new ReproError(`${where}: option "dim" must be a positive integer, got ${JSON.stringify(raw.dim)}`);
  if (!sparse && Array.isArray(shape) && shape[1] !== dim)
    throw new ReproError(`${where}: shape ${JSON.stringify(shape)} does not end in dim ${dim}`);
  return { dim, sparse };
}

/** Every key of `extern_data`, sorted by name. */
export function normalizeExternData(raw: unknown, file: string): Map<string, ExternSpec> {
  if (!isPlainObject(raw)) throw new ReproError(`${file}: "extern_data" must be a dict of data keys`);
  const out = new Map<string, ExternSpec>();
  for (const key of Object.keys(raw).sort())
    out.set(key, normalizeExternSpec(raw[key], `${file}: extern_data "${key}"`));
  return out;
}

/** extern_data from RETURNN's `num_outputs` / `num_inputs` (null when neither is set). */
export function externDataFromNums(
  numOutputs: unknown,
  numInputs: unknown,
  target: unknown,
  file: string,
): Record<string, { dim: number; sparse?: boolean; shape?: (number | null)[] }> | null {
  if (numOutputs === undefined && numInputs === undefined) return null;
  const pairs: Record<string, unknown> = {};
  if (isCount(numOutputs)) pairs[typeof target === "string" ? target : "classes"] = [numOutputs, 1];
  else if (isPlainObject(numOutputs)) Object.assign(pairs, numOutputs);
  else if (numOutputs !== undefined && numOutputs !== null)
    throw new ReproError(`${file}: num_outputs must be an int or a dict, got ${JSON.stringify(numOutputs)}`);
  if (numInputs !== undefined && numInputs !== null && !("data" in pairs)) {
    if (!isCount(numInputs))
      throw new ReproError(
        `${file}: num_inputs must be a positive integer, got ${JSON.stringify(numInputs)}`,
      );
    pairs.data = [numInputs, 2];
  }
  const out: Record<string, { dim: number; sparse?: boolean; shape?: (number | null)[] }> = {};
  for (const key of Object.keys(pairs).sort()) {
    const v = pairs[key];
    const pair = isCount(v) ? [v, key === "data" ? 2 : 1] : v;
    const spec = normalizeExternSpec(pair, `${file}: num_outputs "${key}"`);
    out[key] = spec.sparse ? { dim: spec.dim, sparse: true } : { dim: spec.dim, shape: [null, spec.dim] };
  }
  return out;
}
