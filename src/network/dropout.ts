/** The common `dropout` option: dropout on a layer's input, training only, masks from the keyed RNG. */
import type { LayerContext } from "../layers/layer.js";
import * as ops from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import type { Data } from "./data.js";

/**
 * The noise shape for `dropout_noise_shape` (RETURNN semantics): keys are axis
 * specs ("*" = every axis not named otherwise, "B", "T", "F"); value null keeps
 * the axis' full size (independent draws), 1 shares one draw along it.
 */
export function noiseShape(
  data: Data,
  spec: Readonly<Record<string, number | null>> | undefined,
  where: string,
): number[] {
  const shape = [...data.value.shape];
  if (!spec) return shape;
  const axesOf = (key: string): number[] => {
    switch (key) {
      case "*":
        return [...shape.keys()];
      case "B":
        return [data.batchAxis];
      case "T":
        return [data.timeAxis];
      case "F":
        return [data.featureAxis];
      default:
        throw new ReproError(
          `${where}: dropout_noise_shape: unsupported axis "${key}" (use "*", "B", "T" or "F")`,
        );
    }
  };
  // "*" first, so that named axes override it.
  const keys = Object.keys(spec).sort((a, b) => (a === "*" ? -1 : b === "*" ? 1 : a < b ? -1 : 1));
  for (const key of keys) {
    const v = spec[key];
    if (v !== null && v !== 1) throw new ReproError(`${where}: dropout_noise_shape values must be null or 1`);
    for (const axis of axesOf(key)) {
      if (axis < 0) throw new ReproError(`${where}: dropout_noise_shape: input has no "${key}" axis`);
      shape[axis] = v === 1 ? 1 : data.value.shape[axis];
    }
  }
  return shape;
}

export function inputDropout(
  ctx: LayerContext,
  inputs: readonly Data[],
  rate: number | undefined,
  spec: Readonly<Record<string, number | null>> | undefined,
): Data[] {
  if (!ctx.train || !rate) return [...inputs];
  return inputs.map((d, i) => {
    if (d.sparse) return d; // RETURNN applies input dropout to dense inputs only
    const purpose = i === 0 ? "input" : `input${i}`;
    return d.withValue(
      ops.dropout(d.value, rate, ctx.dropoutUniform(purpose), noiseShape(d, spec, ctx.path)),
    );
  });
}
