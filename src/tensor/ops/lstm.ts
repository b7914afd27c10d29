/**
 * The fused LSTM op (RETURNN's NativeLstm2 cell over a padded batch): one
 * kernel call forward, one backward. Its test oracle is the same cell written
 * with elementary ops, step by step (test/tensor/ops/lstm.test.ts).
 */
import { kernels } from "../../kernels/active.js";
import type { LstmSpec } from "../../kernels/kernels.js";
import { record } from "../tape.js";
import { empty, type Tensor, zeroed } from "../tensor.js";

export interface LstmOptions {
  /** Valid steps per sequence; step t ≥ lengths[b] keeps the state and outputs 0. */
  lengths: Int32Array;
  /** Run from the last step to the first (RETURNN's `direction: -1`). */
  backward?: boolean;
  /** Initial cell and hidden state [B, n]; zeros when absent. */
  c0?: Tensor;
  h0?: Tensor;
}

export interface LstmResult {
  /** Outputs [B, T, n], 0 on padded steps. */
  y: Tensor;
  /** Final cell state and hidden state [B, n] (after each sequence's last valid step). */
  c: Tensor;
  h: Tensor;
}

/**
 * xp [B, T, 4n] = x·W + b (gate blocks j, i, f, o), wRe [n, 4n] → outputs and
 * final state. Gradients flow to xp, wRe, c0 and h0 from y, c and h.
 */
export function lstm(xp: Tensor, wRe: Tensor, o: LstmOptions): LstmResult {
  if (xp.rank !== 3 || wRe.rank !== 2 || wRe.shape[1] !== 4 * wRe.shape[0] || xp.shape[2] !== wRe.shape[1]) {
    throw new Error(`lstm: need xp [B, T, 4n] and wRe [n, 4n], got [${xp.shape}] and [${wRe.shape}]`);
  }
  const [B, T] = xp.shape;
  const n = wRe.shape[0];
  if (o.lengths.length !== B) throw new Error(`lstm: ${o.lengths.length} lengths for batch ${B}`);
  for (const l of o.lengths)
    if (!Number.isInteger(l) || l < 0 || l > T) throw new Error(`lstm: length ${l} outside [0, ${T}]`);
  const spec: LstmSpec = { b: B, t: T, n, backward: o.backward ?? false };
  const c0 = o.c0 ?? zeroed([B, n]);
  const h0 = o.h0 ?? zeroed([B, n]);
  for (const s of [c0, h0])
    if (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== n)
      throw new Error(`lstm: initial state must be [${B}, ${n}], got [${s.shape}]`);
  const y = empty([B, T, n]);
  const c = empty([B, n]);
  const h = empty([B, n]);
  // Saved for the backward pass as tensors of this scope (pooled; see ./fused.ts's qkvOp).
  const cells = empty([B, T, n]);
  const gates = empty([B, T, 4 * n]);
  const hPrev = empty([B, T, n]);
  const k = kernels();
  k.lstmForward(
    xp.f32,
    wRe.f32,
    c0.f32,
    h0.f32,
    o.lengths,
    y.f32,
    cells.f32,
    gates.f32,
    hPrev.f32,
    c.f32,
    h.f32,
    spec,
  );

  // The final states are outputs of the same op: their gradients are collected
  // here (the tape reaches them first, as they are recorded after y) and used
  // by y's backward, which computes every input gradient at once.
  const finalGrads: { c: Float32Array | null; h: Float32Array | null } = { c: null, h: null };
  const yOut = record(y, [xp, wRe, c0, h0], (gy, needs) => {
    const dxp = empty(xp.shape);
    const dwRe = empty(wRe.shape);
    const dc0 = empty(c0.shape);
    const dh0 = empty(h0.shape);
    const { c: dc, h: dh } = finalGrads;
    k.lstmBackward(
      wRe.f32,
      c0.f32,
      o.lengths,
      cells.f32,
      gates.f32,
      hPrev.f32,
      gy.f32,
      dc,
      dh,
      dxp.f32,
      dwRe.f32,
      dc0.f32,
      dh0.f32,
      spec,
    );
    return [needs[0] ? dxp : null, needs[1] ? dwRe : null, needs[2] ? dc0 : null, needs[3] ? dh0 : null];
  });
  const stateOutput = (t: Tensor, which: "c" | "h") =>
    record(t, [yOut], (g) => {
      finalGrads[which] = g.f32.slice();
      return [zeroed(y.shape)];
    });
  return { y: yOut, c: stateOutput(c, "c"), h: stateOutput(h, "h") };
}
