/**
 * LSTM units as `rec` (string `unit`) and `rnn_cell` run them. Two cells, both
 * on the fused `lstm` op (src/tensor/ops/lstm.ts):
 *
 * - NativeLstm2 (`nativelstm2`, `lstm`, `lstmp`, `nativelstm`, and in `rec`
 *   also `lstmblock`/`lstmblockfused`, as RETURNN maps them on TF 2): params
 *   `rec/W` [n_in, 4n], `rec/b` [4n], `rec/W_re` [n, 4n], gates [j, i, f, o],
 *   no forget bias.
 * - StandardLSTM (`standardlstm`, `basiclstm`; in `rnn_cell` also `lstmblock`,
 *   `lstmblockfused`): TF's LSTMCell, `rec/lstm_cell/kernel` [n_in + n, 4n] on
 *   concat(x, h) and `rec/lstm_cell/bias` [4n], gates [i, j, f, o], and
 *   `forget_bias` (default 1.0) added to the forget gate at run time.
 * - NativeLstmLowMem (`nativelstmlowmem`, in `rec` only): the same LSTM as
 *   NativeLstm2 (gates [j, i, f, o], no forget bias) but, as RETURNN's
 *   NativeLstmLowMemCell, one `rec/W` [n_in + n, 4n] on concat(x, h) (initial
 *   value from `recurrent_weights_init`, else `forward_weights_init`) and
 *   `rec/b` [4n], always zeros; dense input only.
 *
 * Over a time axis (outside a loop, or the loop axis in teacher-forced
 * training) the whole sequence runs at once; step by step (search, or the
 * recurrent training loop) one step runs on the state carried in
 * `ctx.rec.state` ([c, h]; the beam reorders it).
 */
import { z } from "zod";
import { Data, type Dim, staticDim } from "../network/data.js";
import { glorotUniform, type InitFn, parseInitializer, zeros } from "../rng/initializers.js";
import * as ops from "../tensor/ops/index.js";
import type { LstmOptions, LstmResult } from "../tensor/ops/lstm.js";
import { Tensor } from "../tensor/tensor.js";
import { didYouMean, ReproError } from "../util/errors.js";
import type { LayerContext } from "./layer.js";
import { concatFeatures, frameMask } from "./util/align.js";

export type LstmCell = "native" | "standard" | "lowmem";

const recUnits: Record<string, LstmCell> = {
  nativelstm2: "native",
  lstm: "native",
  lstmp: "native",
  nativelstm: "native",
  lstmblock: "native",
  lstmblockfused: "native",
  standardlstm: "standard",
  basiclstm: "standard",
  nativelstmlowmem: "lowmem",
};

/** rnn_cell runs single steps: RETURNN rejects the native cells there and maps LSTMBlock to StandardLSTM. */
const cellUnits: Record<string, LstmCell> = {
  standardlstm: "standard",
  basiclstm: "standard",
  lstmblock: "standard",
  lstmblockfused: "standard",
};

/** The cell a `unit` string names (case-insensitive, as RETURNN); unknown names are a user error. */
export function lstmCellOf(unit: string, where: string, forRnnCell: boolean): LstmCell {
  const table = forRnnCell ? cellUnits : recUnits;
  const cell = table[unit.toLowerCase()];
  if (cell) return cell;
  if (forRnnCell && unit.toLowerCase() in recUnits)
    throw new ReproError(
      `${where}: unit "${unit}" is a native LSTM, which rnn_cell does not support (as in RETURNN); use "LSTMBlock" or "StandardLSTM"`,
    );
  throw new ReproError(
    `${where}: unsupported unit "${unit}"${didYouMean(unit.toLowerCase(), Object.keys(table))} (supported: ${Object.keys(table).join(", ")})`,
  );
}

const initOption = z.union([z.number(), z.string(), z.record(z.string(), z.unknown())]).optional();

/** Options of `rec` with a string unit (merged into rec's schema). */
export const lstmOptions = {
  direction: z.union([z.literal(1), z.literal(-1)]).optional(),
  unit_opts: z.record(z.string(), z.unknown()).optional(),
  forward_weights_init: initOption,
  recurrent_weights_init: initOption,
  bias_init: initOption,
  weights_init: initOption,
  initial_state: z.union([z.literal(0), z.literal("zeros")]).optional(),
};

export interface LstmUnitOptions {
  n_out?: number;
  direction?: 1 | -1;
  unit_opts?: Record<string, unknown>;
  forward_weights_init?: unknown;
  recurrent_weights_init?: unknown;
  bias_init?: unknown;
  weights_init?: unknown;
}

const init = (spec: unknown, fallback: InitFn, where: string): InitFn =>
  spec === undefined ? fallback : parseInitializer(spec, where);

interface UnitOpts {
  forgetBias: number;
  /** NativeLstm2's weight dropout on W_re in training (RETURNN `rec_weight_dropout`), and its noise shape. */
  recWeightDropout: number;
  recWeightDropoutShape?: readonly (number | null)[];
}

/**
 * `unit_opts` the cell understands: forget_bias (NativeLstm2: must be 0, as
 * RETURNN asserts); NativeLstm2 also rec_weight_dropout and
 * rec_weight_dropout_shape (e.g. [null, 1]: one draw per row of W_re).
 */
function unitOpts(cell: LstmCell, o: LstmUnitOptions, where: string): UnitOpts {
  const opts = (o.unit_opts ?? {}) as Record<string, unknown>;
  const supported =
    cell === "native" ? ["forget_bias", "rec_weight_dropout", "rec_weight_dropout_shape"] : ["forget_bias"];
  for (const key of Object.keys(opts)) {
    if (!supported.includes(key))
      throw new ReproError(
        `${where}: unit_opts "${key}" is not supported${didYouMean(key, supported)} (supported: ${supported.join(", ")})`,
      );
  }
  const fb = opts.forget_bias ?? (cell === "standard" ? 1 : 0);
  if (typeof fb !== "number") throw new ReproError(`${where}: unit_opts "forget_bias" must be a number`);
  if (cell !== "standard" && fb !== 0)
    throw new ReproError(`${where}: NativeLstm2 supports only forget_bias 0 (set it through bias_init)`);
  const rate = opts.rec_weight_dropout ?? 0;
  if (typeof rate !== "number" || !(rate >= 0 && rate < 1))
    throw new ReproError(`${where}: unit_opts "rec_weight_dropout" must be a number in [0, 1)`);
  const shape = opts.rec_weight_dropout_shape;
  if (
    shape !== undefined &&
    shape !== null &&
    !(Array.isArray(shape) && shape.length === 2 && shape.every((d) => d === null || d === 1))
  )
    throw new ReproError(
      `${where}: unit_opts "rec_weight_dropout_shape" must be 2 entries, each null (the axis) or 1 (one draw along it), e.g. [null, 1]`,
    );
  return { forgetBias: fb, recWeightDropout: rate, recWeightDropoutShape: shape ?? undefined };
}

/** W_re with RETURNN's weight dropout in training (one mask per batch, per step inside a loop). */
function withWeightDropout(ctx: LayerContext, wRe: Tensor, u: UnitOpts): Tensor {
  if (!ctx.train || u.recWeightDropout === 0) return wRe;
  const noiseShape = u.recWeightDropoutShape?.map((d, i) => d ?? wRe.shape[i]);
  return ops.dropout(wRe, u.recWeightDropout, ctx.dropoutUniform("rec_weight"), noiseShape);
}

/** Columns [i, j, f, o] → [j, i, f, o] (TF LSTMCell order to the kernel's). */
function tfGatesToKernel(x: Tensor, n: number): Tensor {
  const axis = x.rank - 1;
  const [i, j, f, o] = ops.split(x, [n, n, n, n], axis);
  return ops.concat([j, i, f, o], axis);
}

/** The 4 gate blocks of an LSTM parameter's last axis. */
const gates = (n: number) => [n, n, n, n];

interface Projection {
  /** x·W + b (+ forget bias), [..., 4n], gate blocks j, i, f, o. */
  xp: Tensor;
  wRe: Tensor;
}

/** The input projection and recurrent weight of `cell`, created under the RETURNN names. */
function project(
  ctx: LayerContext,
  x: Data,
  n: number,
  cell: LstmCell,
  o: LstmUnitOptions,
  /** The input axis in blocks, one per source (for pretrain copy_param_mode "subset"). */
  inSplit: number[],
): Projection {
  const where = ctx.path;
  const u = unitOpts(cell, o, where);
  const fb = u.forgetBias;
  const wInit = init(
    o.forward_weights_init ?? o.weights_init,
    glorotUniform(),
    `${where}: forward_weights_init`,
  );
  const bInit = init(o.bias_init, zeros(), `${where}: bias_init`);
  const nIn = x.featureDim;
  if (cell === "native") {
    const w = ctx.param("rec/W", [nIn, 4 * n], wInit, [inSplit, gates(n)]);
    const b = ctx.param("rec/b", [4 * n], bInit, [gates(n)]);
    const wRe = ctx.param(
      "rec/W_re",
      [n, 4 * n],
      init(o.recurrent_weights_init, wInit, `${where}: recurrent_weights_init`),
      [[n], gates(n)],
    );
    const xw = x.sparse ? ops.gather(w, x.value, 0) : ops.matmul(x.value, w);
    return { xp: ops.add(xw, b), wRe: withWeightDropout(ctx, wRe, u) };
  }
  if (x.sparse)
    throw new ReproError(
      `${where}: ${cell === "lowmem" ? "NativeLstmLowMem" : "StandardLSTM"} needs dense input, got sparse (${x.describe()})`,
    );
  if (cell === "lowmem") {
    // RETURNN creates this W with the recurrent initializer (the scope default: recurrent, else forward).
    const wInitLowMem = init(o.recurrent_weights_init, wInit, `${where}: recurrent_weights_init`);
    const [wx, wRe] = ops.split(
      ctx.param("rec/W", [nIn + n, 4 * n], wInitLowMem, [[...inSplit, n], gates(n)]),
      [nIn, n],
      0,
    );
    const b = ctx.param("rec/b", [4 * n], zeros(), [gates(n)]);
    return { xp: ops.add(ops.matmul(x.value, wx), b), wRe };
  }
  const layout = () => {
    const kernel = tfGatesToKernel(
      ctx.param("rec/lstm_cell/kernel", [nIn + n, 4 * n], wInit, [[...inSplit, n], gates(n)]),
      n,
    );
    const [wx, wRe] = ops.split(kernel, [nIn, n], 0);
    return {
      wx,
      wRe,
      bias: tfGatesToKernel(ctx.param("rec/lstm_cell/bias", [4 * n], bInit, [gates(n)]), n),
      forget: new Tensor(
        [4 * n],
        Float32Array.from({ length: 4 * n }, (_, k) => (k >= 2 * n && k < 3 * n ? fb : 0)),
      ),
    };
  };
  // In a step-by-step loop the re-laid-out weights are the same at every step:
  // made once (copying 4·n·(n_in + n) floats per step, and their gradients
  // back, cost more than the step's product).
  const { wx, wRe, bias, forget } = ctx.rec?.perLoop ? ctx.rec.perLoop.get(ctx.path, layout) : layout();
  const xp = ops.add(ops.add(ops.matmul(x.value, wx), bias), forget);
  return { xp, wRe };
}

/** Final (c, h) of LSTM layer outputs, for `get_last_hidden_state`. */
const lastStates = new WeakMap<Data, { c: Tensor; h: Tensor }>();

export function lastHiddenState(d: Data): { c: Tensor; h: Tensor } | undefined {
  return lastStates.get(d);
}

/** Registers (c, h) as the last hidden state that comes with `d` (its owner keeps the tensors alive). */
export function attachLastHiddenState(d: Data, c: Tensor, h: Tensor): Data {
  lastStates.set(d, { c, h });
  return d;
}

/** Marks `initial` [B, n], an LSTM layer's output before the first step, as coming with the zero state. */
export function withZeroState(initial: Data): Data {
  const zero = ops.mul(initial.value, 0);
  lastStates.set(initial, { c: zero, h: zero });
  return initial;
}

/** True for layers whose output is an LSTM's (and so has a last hidden state). */
export const isLstmLayer = (className: string, unit: unknown): boolean =>
  className === "rnn_cell" || (className === "rec" && typeof unit !== "object");

/** An LSTM layer over whole sequences, up to its kernel: dims, lengths, x·W + b and W_re. */
export interface LstmHalf {
  readonly batch: Dim;
  readonly time: Dim;
  readonly n: number;
  readonly xp: Tensor;
  readonly wRe: Tensor;
  readonly options: LstmOptions;
}

/** Runs an LSTM unit on the layer's sources: a whole sequence, or one search step with carried state. */
export function lstmUnitForward(
  ctx: LayerContext,
  inputs: readonly Data[],
  o: LstmUnitOptions,
  cell: LstmCell,
): Data {
  if (ctx.rec?.step !== undefined) {
    const { x, n, inSplit, backward } = unitInput(ctx, inputs, o);
    return stepWithState(ctx, x, n, cell, o, backward, inSplit);
  }
  const half = lstmHalf(ctx, inputs, o, cell);
  return halfOutput(half, ops.lstm(half.xp, half.wRe, half.options));
}

/**
 * Two LSTM layers over whole sequences that do not read each other (a BLSTM's
 * directions) as one op: their kernels run at once (ops.lstmPair), with the
 * bits of two lstmUnitForward calls.
 */
export function lstmPairOutputs(a: LstmHalf, b: LstmHalf): [Data, Data] {
  const [ra, rb] = ops.lstmPair(
    { xp: a.xp, wRe: a.wRe, o: a.options },
    { xp: b.xp, wRe: b.wRe, o: b.options },
  );
  return [halfOutput(a, ra), halfOutput(b, rb)];
}

/** The unit's input (its sources' features concatenated), cells, blocks of the input axis and direction. */
function unitInput(ctx: LayerContext, inputs: readonly Data[], o: LstmUnitOptions) {
  const n = o.n_out;
  if (n === undefined) throw new ReproError(`${ctx.path}: option "n_out" is required for an LSTM unit`);
  const joined = inputs.length === 1 ? inputs[0] : concatFeatures(inputs, ctx.path);
  const x = joined instanceof Data ? joined : new Data(joined.value, joined.dims);
  return { x, n, inSplit: inputs.map((d) => d.featureDim), backward: o.direction === -1 };
}

/** The input side of an LSTM layer over whole sequences (checked, padding masked, projected). */
export function lstmHalf(
  ctx: LayerContext,
  inputs: readonly Data[],
  o: LstmUnitOptions,
  cell: LstmCell,
): LstmHalf {
  const where = ctx.path;
  const { x, n, inSplit, backward } = unitInput(ctx, inputs, o);
  const batch = x.dims[0];
  const time = x.dims[1];
  const featureOk = x.sparse ? x.dims.length === 2 : x.dims.length === 3 && x.featureAxis === 2;
  if (batch?.kind !== "batch" || time?.kind !== "time" || !featureOk) {
    throw new ReproError(
      `${where}: an LSTM unit needs input [batch, time, feature] (or sparse [batch, time]), got (${x.describe()})`,
    );
  }
  if (backward && time.loop)
    throw new ReproError(`${where}: direction -1 is not possible inside a rec unit (the loop runs forwards)`);
  const lengths = time.lengths ?? new Int32Array(batch.size).fill(time.size);
  // Padded frames are zeroed (selected, not multiplied): their projection gets no
  // gradient from the kernel, and 0·NaN in the weight gradient would still be NaN.
  const mask = x.sparse ? null : frameMask(x.dims, [1], where);
  const masked = mask ? x.withValue(ops.where(mask, x.value, 0)) : x;
  const { xp, wRe } = project(ctx, masked, n, cell, o, inSplit);
  return { batch, time, n, xp, wRe, options: { lengths, backward } };
}

function halfOutput(half: LstmHalf, r: LstmResult): Data {
  const out = new Data(r.y, [half.batch, half.time, staticDim(half.n)]);
  lastStates.set(out, { c: r.c, h: r.h });
  return out;
}

/** One step: input [rows, F], state [c, h] from the previous step (zeros at step 0). */
function stepWithState(
  ctx: LayerContext,
  x: Data,
  n: number,
  cell: LstmCell,
  o: LstmUnitOptions,
  backward: boolean,
  inSplit: number[],
): Data {
  const where = ctx.path;
  if (backward) throw new ReproError(`${where}: direction -1 is not possible inside a rec unit`);
  const batch: Dim | undefined = x.dims[0];
  if (batch?.kind !== "batch" || x.dims.length !== (x.sparse ? 1 : 2))
    throw new ReproError(`${where}: an LSTM step needs input [batch, feature], got (${x.describe()})`);
  const rows = batch.size;
  const { xp, wRe } = project(ctx, x, n, cell, o, inSplit);
  const state = ctx.rec!.state!;
  const prev = state.get();
  const r = ops.lstm(ops.reshape(xp, [rows, 1, 4 * n]), wRe, {
    lengths: new Int32Array(rows).fill(1),
    c0: prev?.[0],
    h0: prev?.[1],
  });
  state.set([r.c, r.h]);
  const out = new Data(ops.reshape(r.y, [rows, n]), [batch, staticDim(n)]);
  lastStates.set(out, { c: r.c, h: r.h });
  return out;
}
