/** `edit_distance`: an error measure only (Levenshtein distance to the target), never part of the objective. */
import type { Data } from "../network/data.js";
import { levenshtein, ReproError } from "../util/errors.js";
import { countFrames, registerLoss } from "./loss.js";

/** The valid labels of each batch entry of sparse [B, T] data. */
function sequences(data: Data, where: string): number[][] {
  if (!data.sparse || data.dims.length !== 2 || data.dims[1].kind !== "time") {
    throw new ReproError(`${where}: edit_distance needs sparse [batch, time] data, got (${data.describe()})`);
  }
  const [B, T] = data.value.shape;
  const lengths = data.dims[1].lengths!;
  const v = data.value.i32;
  return Array.from({ length: B }, (_, b) => Array.from(v.subarray(b * T, b * T + lengths[b])));
}

registerLoss("edit_distance", {
  options: [],
  needsTarget: true,
  compute(output, target, _opts, where) {
    const hyps = sequences(output, where);
    const refs = sequences(target!, where);
    const error = hyps.reduce((s, h, i) => s + levenshtein(h, refs[i]), 0);
    return { value: null, error, frames: countFrames(target!) };
  },
});
