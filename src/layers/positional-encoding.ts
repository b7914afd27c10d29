/**
 * `positional_encoding`: the sinusoidal signal of tensor2tensor / RETURNN
 * `get_positional_encoding`. For n channels, num_timescales = ⌊n/2⌋,
 * inv_i = exp(−i·ln(1e4)/(num_timescales − 1)) and the signal at position p is
 * [sin(p·inv), cos(p·inv)] (a zero channel appended when n is odd).
 *
 * Positions run along the time axis; inside a `rec` unit they are decoder
 * steps: along the loop axis in training (0..T−1), or the current step in
 * step-by-step search. With `add_to_input` the signal is added to the input;
 * otherwise it replaces the feature axis by `n_out` channels.
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import { add, broadcastTo, reshape } from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerContext, LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";

const MIN_TIMESCALE = 1;
const MAX_TIMESCALE = 1e4;

/**
 * The signal [positions.length, channels], float32 arithmetic as TensorFlow
 * does it (each product rounded to float32 before sin/cos). With a single
 * timescale (2 or 3 channels) the increment is taken as 0, where TF would
 * divide by zero.
 */
export function positionalSignal(positions: readonly number[], channels: number): Float32Array {
  const f = Math.fround;
  const num = Math.floor(channels / 2);
  const increment = num > 1 ? Math.log(MAX_TIMESCALE / MIN_TIMESCALE) / (num - 1) : 0;
  const inv = Float32Array.from({ length: num }, (_, i) => MIN_TIMESCALE * Math.exp(f(f(i) * f(-increment))));
  const out = new Float32Array(positions.length * channels);
  positions.forEach((p, row) => {
    for (let i = 0; i < num; i++) {
      const scaled = f(f(p) * inv[i]);
      out[row * channels + i] = Math.sin(scaled);
      out[row * channels + num + i] = Math.cos(scaled);
    }
  });
  return out;
}

const options = {
  add_to_input: z.boolean().default(false),
};

/** The axis positions run along (-1: one position, `step`), per the rec context. */
function positionAxis(ctx: LayerContext, x: Data): { axis: number; step?: number } {
  if (ctx.rec) {
    if (x.loopAxis >= 0) return { axis: x.loopAxis };
    if (ctx.rec.step !== undefined) return { axis: -1, step: ctx.rec.step };
    throw new ReproError(
      `${ctx.path}: inside a rec unit in training the input needs the loop axis (${x.describe()})`,
    );
  }
  if (x.timeAxis < 0)
    throw new ReproError(`${ctx.path}: positional_encoding needs a time axis (${x.describe()})`);
  return { axis: x.timeAxis };
}

const positionalEncoding: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    if (inputs.length !== 1) {
      throw new ReproError(`${ctx.path}: positional_encoding needs exactly 1 source, got ${inputs.length}`);
    }
    const [x] = inputs;
    const { axis, step } = positionAxis(ctx, x);
    const feature = x.featureAxis;
    let channels: number;
    if (opts.add_to_input) {
      if (feature < 0)
        throw new ReproError(
          `${ctx.path}: add_to_input needs dense input with a feature axis (${x.describe()})`,
        );
      channels = x.dims[feature].size;
      if (opts.n_out !== undefined && opts.n_out !== channels) {
        throw new ReproError(
          `${ctx.path}: n_out ${opts.n_out} differs from the input's feature dim ${channels} (add_to_input)`,
        );
      }
    } else {
      if (opts.n_out === undefined)
        throw new ReproError(`${ctx.path}: option "n_out" is required unless add_to_input is set`);
      channels = opts.n_out;
    }
    const T = axis >= 0 ? x.dims[axis].size : 1;
    const positions = axis >= 0 ? Array.from({ length: T }, (_, t) => t) : [step!];
    // Output layout: the input's dims with the feature axis (if any) replaced by the channels, last.
    const outDims = opts.add_to_input
      ? x.dims
      : [...x.dims.filter((_, a) => a !== feature), staticDim(channels)];
    const signalShape = outDims.map((_, a) => (a === outDims.length - 1 ? channels : a === axis ? T : 1));
    const signal = reshape(
      new Tensor([positions.length, channels], positionalSignal(positions, channels)),
      signalShape,
    );
    if (opts.add_to_input) return x.withValue(add(x.value, signal));
    return new Data(
      broadcastTo(
        signal,
        outDims.map((d) => d.size),
      ),
      outDims,
    );
  },
};

registerLayer("positional_encoding", positionalEncoding);
