/**
 * `ctc`: connectionist temporal classification on a [B, T, V] output against
 * sparse [B, S] targets, as RETURNN's CtcLoss with TF's ctc_loss: blank = the
 * last class (V = target classes + 1), logits from a softmax layer (else
 * log(max(y, 1e−20)) of the output, or the output itself with
 * `output_in_log_space`). Error: greedy decoding's edit distance. Reported
 * per target label. `use_native` and `beam_width` are accepted: one kernel
 * serves both, and decoding is always greedy (beam_width 1).
 */
import type { Data } from "../network/data.js";
import { ctcGreedyDecode } from "../search/ctc.js";
import * as ops from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { didYouMean, levenshtein, ReproError, SequenceError } from "../util/errors.js";
import { countFrames, registerLoss } from "./loss.js";

const CTC_OPTS = ["ignore_longer_outputs_than_inputs", "preprocess_collapse_repeated", "ctc_merge_repeated"];

/** `ctc_opts` checked: only TF's defaults for the collapse options are supported. */
function ctcOptions(raw: unknown, where: string): { ignoreLonger: boolean } {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o)) throw new ReproError(`${where}: ctc_opts must be a dict`);
  for (const key of Object.keys(o)) {
    if (!CTC_OPTS.includes(key))
      throw new ReproError(`${where}: unknown ctc_opts key "${key}"${didYouMean(key, CTC_OPTS)}`);
  }
  if (o.preprocess_collapse_repeated === true || o.ctc_merge_repeated === false) {
    throw new ReproError(
      `${where}: ctc_opts preprocess_collapse_repeated=True / ctc_merge_repeated=False are not supported`,
    );
  }
  return { ignoreLonger: o.ignore_longer_outputs_than_inputs === true };
}

/** Frames a label sequence needs at least: one per label plus a blank between equal neighbours. */
export function minFrames(labels: ArrayLike<number>): number {
  let n = labels.length;
  for (let i = 1; i < labels.length; i++) if (labels[i] === labels[i - 1]) n++;
  return n;
}

function checkShapes(output: Data, target: Data, where: string): void {
  if (output.dims.length !== 3 || output.batchAxis !== 0 || output.timeAxis !== 1 || output.loopAxis >= 0) {
    throw new ReproError(`${where}: ctc needs output [B, T, V], got (${output.describe()})`);
  }
  if (!target.sparse || target.dims.length !== 2 || target.dims[1].kind !== "time") {
    throw new ReproError(`${where}: ctc needs a sparse [B, T] target, got (${target.describe()})`);
  }
  if (output.featureDim !== target.sparseDim! + 1) {
    throw new ReproError(
      `${where}: ctc output has ${output.featureDim} classes, needs target classes + 1 blank = ${target.sparseDim! + 1}`,
    );
  }
}

registerLoss("ctc", {
  options: ["ctc_opts", "beam_width", "use_native", "output_in_log_space"],
  needsTarget: true,
  autoOutputDim: (targetDim) => targetDim + 1,
  compute(output, target, opts, where) {
    const t = target!;
    checkShapes(output, t, where);
    const { ignoreLonger } = ctcOptions(opts.ctc_opts, where);
    const logits =
      output.logits ??
      (opts.output_in_log_space === true ? output.value : ops.log(ops.maximum(output.value, 1e-20)));
    const [B, T, V] = logits.shape;
    const inLengths = output.dims[1].lengths!;
    const labelLengths = t.dims[1].lengths!;
    const losses = ops.ctcLoss(logits, t.value, inLengths, labelLengths, V - 1);
    const feasible = new Float32Array(B);
    const S = t.value.shape[1];
    for (let b = 0; b < B; b++) {
      if (Number.isFinite(losses.f32[b])) feasible[b] = 1;
      else if (!ignoreLonger) {
        const need = minFrames(t.value.i32.subarray(b * S, b * S + labelLengths[b]));
        throw new SequenceError(
          `${where}: batch entry ${b}: ${labelLengths[b]} target labels need at least ${need} frames, the output has ${inLengths[b]} (ctc_opts ignore_longer_outputs_than_inputs skips such sequences)`,
          b,
        );
      }
    }
    const value = ops.sum(ops.where(new Tensor([B], feasible), losses, 0));
    const hyps = ctcGreedyDecode(logits.f32, [B, T, V], inLengths, V - 1);
    let error = 0;
    hyps.forEach((h, b) => {
      error += levenshtein(h, Array.from(t.value.i32.subarray(b * S, b * S + labelLengths[b])));
    });
    return { value, error, frames: countFrames(t) };
  },
});
