/**
 * Axis specs as RETURNN configs write them ("T", "T?", "F", "B", "dim:4",
 * "static:0", "spatial", integers, lists), resolved against a layer's input.
 *
 * Specs have per-step meaning: the loop axis a `rec` unit gets in training is
 * invisible to them (as it is to the config's author), so "T" is the first
 * non-loop time axis, integers count the axes without the loop axis (batch
 * included, -1 = last), and "*" lists every axis but the loop axis.
 *
 * Also two small tensor helpers the axis-handling layers share.
 */
import { z } from "zod";
import { type Data, sequenceMask } from "../../network/data.js";
import { where as select, transpose } from "../../tensor/ops/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { ReproError } from "../../util/errors.js";

/** One axis spec: a name, an integer, null (no axis), or a list of names/integers. */
export type AxisSpec = string | number | null | readonly (string | number)[];

/** The zod schema for an axis-spec option. */
export const axisSpec = z.union([
  z.string(),
  z.number().int(),
  z.null(),
  z.array(z.union([z.string(), z.number().int()])),
]);

const show = (spec: AxisSpec): string => JSON.stringify(spec);

/** The axes a spec may name: every axis but the rec loop axis, in order. */
function visibleAxes(data: Data): number[] {
  const loop = data.loopAxis;
  return [...data.dims.keys()].filter((a) => a !== loop);
}

/** `prefix:i` → i-th of `axes` (negative counts from the end). */
function indexed(axes: readonly number[], i: number, fail: () => never): number {
  const j = i < 0 ? i + axes.length : i;
  if (j < 0 || j >= axes.length) fail();
  return axes[j];
}

/** Resolves a single string spec (already lower-cased) to axes. */
function resolveName(data: Data, name: string, fail: (why?: string) => never): number[] {
  const visible = visibleAxes(data);
  const batch = data.batchAxis;
  const feature = data.featureAxis;
  const time = data.timeAxis;
  const statics = visible.filter((a) => data.dims[a].kind === "static");
  const spatial = visible.filter((a) => a !== batch && a !== feature);
  switch (name) {
    case "b":
    case "batch":
      if (batch < 0) fail("there is no batch axis");
      return [batch];
    case "t":
    case "time":
      if (time < 0) fail("there is no time axis");
      return [time];
    case "t?":
      return time < 0 ? [] : [time];
    case "f":
    case "feature":
      if (feature < 0) fail(data.sparse ? "sparse data has no feature axis" : "there is no feature axis");
      return [feature];
    case "static":
      return statics;
    case "spatial":
      return spatial;
    case "dyn":
    case "dynamic":
      return visible.filter((a) => data.dims[a].kind === "time");
    case "*":
      return visible;
    case "except_batch":
      return visible.filter((a) => a !== batch);
    case "except_time":
      return visible.filter((a) => a !== batch && a !== time);
  }
  const m = /^(static|spatial|s|dim):(-?\d+)$/.exec(name);
  if (m) {
    const n = Number(m[2]);
    if (m[1] === "dim") {
      const axes = statics.filter((a) => data.dims[a].size === n);
      if (axes.length === 0) fail(`no static axis has size ${n}`);
      return axes;
    }
    const pool = m[1] === "static" ? statics : spatial;
    return [
      indexed(pool, n, () =>
        fail(`there are only ${pool.length} ${m[1] === "static" ? "static" : "spatial"} axes`),
      ),
    ];
  }
  // RETURNN also accepts strings like "bt" meaning ["b", "t"].
  if (name.length > 1 && /^[btf]+$/.test(name)) return [...name].flatMap((c) => resolveName(data, c, fail));
  fail("unknown axis name");
}

/**
 * The axes of `data` that `spec` names, in the order given, without
 * duplicates. `where` starts the error message, e.g. `output/att: option "axis"`.
 */
export function resolveAxes(data: Data, spec: AxisSpec, where: string): number[] {
  const fail = (why?: string): never => {
    throw new ReproError(
      `${where}: axis ${show(spec)} not found in (${data.describe()})${why ? `: ${why}` : ""}`,
    );
  };
  if (spec === null || spec === "") return [];
  const items = typeof spec === "string" || typeof spec === "number" ? [spec] : spec;
  const visible = visibleAxes(data);
  const out: number[] = [];
  for (const item of items) {
    const axes =
      typeof item === "number"
        ? [indexed(visible, item, () => fail(`integer axes count ${visible.length} axes (batch included)`))]
        : resolveName(data, item.toLowerCase(), fail);
    for (const a of axes) if (!out.includes(a)) out.push(a);
  }
  return out;
}

/** Exactly one axis named by `spec` (see resolveAxes). */
export function resolveAxis(data: Data, spec: AxisSpec, where: string): number {
  const axes = resolveAxes(data, spec, where);
  if (axes.length !== 1) {
    const found =
      axes.length === 0
        ? "no axis"
        : `${axes.length} axes (${axes.map((a) => data.dims[a].name).join(", ")})`;
    throw new ReproError(
      `${where}: axis ${show(spec)} must name exactly one axis of (${data.describe()}), got ${found}`,
    );
  }
  return axes[0];
}

// ---- small tensor helpers shared by the axis-handling layers ----------------

/** Transposes to `perm` unless it is the identity (saves a copy). */
export const permuteIfNeeded = (x: Tensor, perm: readonly number[]): Tensor =>
  perm.every((p, i) => p === i) ? x : transpose(x, perm);

/**
 * The value of `data` with every frame beyond a sequence's end — on every time
 * axis, the rec loop axis included — replaced by 0 (a `where`, never a 0/1
 * product). NaN or ±inf there can then reach neither a sum over that axis nor
 * a gradient summed over it (a source broadcast against the others' padded
 * frames would otherwise get 0 · NaN in its gradient).
 */
export function zeroPadding(data: Data): Tensor {
  let x = data.value;
  data.dims.forEach((dim, axis) => {
    if (dim.kind !== "time" || !dim.lengths) return;
    if (dim.lengths.every((l) => l === dim.size)) return; // nothing padded
    x = select(sequenceMask(data, axis), x, 0);
  });
  return x;
}
