/**
 * The fused LSTM op (RETURNN's NativeLstm2 cell over a padded batch): one
 * kernel call forward, one backward. Its test oracle is the same cell written
 * with elementary ops, step by step (test/tensor/ops/lstm.test.ts).
 */
import { kernels } from "../../kernels/active.js";
import type { LstmBackwardArgs, LstmForwardArgs, LstmSpec } from "../../kernels/kernels.js";
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

/** One LSTM call's tensors: inputs, outputs and what the backward pass keeps. */
interface Call {
  readonly xp: Tensor;
  readonly wRe: Tensor;
  readonly c0: Tensor;
  readonly h0: Tensor;
  readonly lengths: Int32Array;
  readonly spec: LstmSpec;
  readonly y: Tensor;
  readonly c: Tensor;
  readonly h: Tensor;
  readonly cells: Tensor;
  readonly gates: Tensor;
  readonly hPrev: Tensor;
  /** Gradients of the final state, collected before y's backward runs (null: none). */
  readonly finalGrads: { c: Float32Array | null; h: Float32Array | null };
}

/** Checks the shapes and allocates the outputs of one call. */
function prepare(xp: Tensor, wRe: Tensor, o: LstmOptions): Call {
  if (xp.rank !== 3 || wRe.rank !== 2 || wRe.shape[1] !== 4 * wRe.shape[0] || xp.shape[2] !== wRe.shape[1]) {
    throw new Error(`lstm: need xp [B, T, 4n] and wRe [n, 4n], got [${xp.shape}] and [${wRe.shape}]`);
  }
  const [B, T] = xp.shape;
  const n = wRe.shape[0];
  if (o.lengths.length !== B) throw new Error(`lstm: ${o.lengths.length} lengths for batch ${B}`);
  for (const l of o.lengths)
    if (!Number.isInteger(l) || l < 0 || l > T) throw new Error(`lstm: length ${l} outside [0, ${T}]`);
  const c0 = o.c0 ?? zeroed([B, n]);
  const h0 = o.h0 ?? zeroed([B, n]);
  for (const s of [c0, h0])
    if (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== n)
      throw new Error(`lstm: initial state must be [${B}, ${n}], got [${s.shape}]`);
  return {
    xp,
    wRe,
    c0,
    h0,
    lengths: o.lengths,
    spec: { b: B, t: T, n, backward: o.backward ?? false },
    y: empty([B, T, n]),
    c: empty([B, n]),
    h: empty([B, n]),
    // Saved for the backward pass as tensors of this scope (pooled; see ./fused.ts's qkvOp).
    cells: empty([B, T, n]),
    gates: empty([B, T, 4 * n]),
    hPrev: empty([B, T, n]),
    finalGrads: { c: null, h: null },
  };
}

const forwardArgs = (k: Call): LstmForwardArgs => [
  k.xp.f32,
  k.wRe.f32,
  k.c0.f32,
  k.h0.f32,
  k.lengths,
  k.y.f32,
  k.cells.f32,
  k.gates.f32,
  k.hPrev.f32,
  k.c.f32,
  k.h.f32,
  k.spec,
];

/** The input gradients of one call (dxp, dwRe, dc0, dh0) and the kernel arguments that write them. */
function backwardOf(k: Call, gy: Float32Array): { grads: Tensor[]; args: LstmBackwardArgs } {
  const grads = [k.xp, k.wRe, k.c0, k.h0].map((t) => empty(t.shape));
  const [dxp, dwRe, dc0, dh0] = grads.map((g) => g.f32);
  const { c: dc, h: dh } = k.finalGrads;
  const args: LstmBackwardArgs = [
    k.wRe.f32,
    k.c0.f32,
    k.lengths,
    k.cells.f32,
    k.gates.f32,
    k.hPrev.f32,
    gy,
    dc,
    dh,
    dxp,
    dwRe,
    dc0,
    dh0,
    k.spec,
  ];
  return { grads, args };
}

const inputsOf = (k: Call): Tensor[] => [k.xp, k.wRe, k.c0, k.h0];

/**
 * `t`, an output of the op whose main output `main` computes every input
 * gradient: its gradient is kept in `keep` (the tape reaches it first, as it is
 * recorded after `main`) and it passes zeros on to `main`.
 */
function collected(t: Tensor, main: Tensor, keep: (g: Float32Array) => void): Tensor {
  return record(t, [main], (g) => {
    keep(g.f32.slice());
    return [zeroed(main.shape)];
  });
}

/** The final states as outputs, their gradients collected for the call's backward. */
function result(k: Call, y: Tensor, main: Tensor): LstmResult {
  return {
    y,
    c: collected(k.c, main, (g) => {
      k.finalGrads.c = g;
    }),
    h: collected(k.h, main, (g) => {
      k.finalGrads.h = g;
    }),
  };
}

/**
 * xp [B, T, 4n] = x·W + b (gate blocks j, i, f, o), wRe [n, 4n] → outputs and
 * final state. Gradients flow to xp, wRe, c0 and h0 from y, c and h.
 */
export function lstm(xp: Tensor, wRe: Tensor, o: LstmOptions): LstmResult {
  const call = prepare(xp, wRe, o);
  kernels().lstmForward(...forwardArgs(call));
  const y = record(call.y, inputsOf(call), (gy, needs) => {
    const { grads, args } = backwardOf(call, gy.f32);
    kernels().lstmBackward(...args);
    return grads.map((g, i) => (needs[i] ? g : null));
  });
  return result(call, y, y);
}

/**
 * Two independent LSTMs (a BLSTM's directions, each with its own input and
 * weights) as one op: their kernels run at once, forward and backward
 * (Kernels.lstmForwardPair), with the bits of two `lstm` calls.
 */
export function lstmPair(
  a: { xp: Tensor; wRe: Tensor; o: LstmOptions },
  b: { xp: Tensor; wRe: Tensor; o: LstmOptions },
): [LstmResult, LstmResult] {
  const ca = prepare(a.xp, a.wRe, a.o);
  const cb = prepare(b.xp, b.wRe, b.o);
  kernels().lstmForwardPair(forwardArgs(ca), forwardArgs(cb));
  let gyB: Float32Array | null = null;
  // y of the first call computes every gradient of both; the second's y, like
  // the final states, only collects its gradient (recorded after, reached first).
  const yA = record(ca.y, [...inputsOf(ca), ...inputsOf(cb)], (gy, needs) => {
    const ba = backwardOf(ca, gy.f32);
    const bb = backwardOf(cb, gyB ?? zeroed(cb.y.shape).f32);
    kernels().lstmBackwardPair(ba.args, bb.args);
    return [...ba.grads, ...bb.grads].map((g, i) => (needs[i] ? g : null));
  });
  const yB = collected(cb.y, yA, (g) => {
    gyB = g;
  });
  return [result(ca, yA, yA), result(cb, yB, yA)];
}
