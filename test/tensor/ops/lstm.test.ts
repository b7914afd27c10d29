/**
 * The fused LSTM op against the same cell composed from elementary ops step by
 * step (the oracle), finite-difference gradients, direction, final state, and
 * padding that can never leak (NaN-filled padded frames, values and gradients).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ops from "../../../src/tensor/ops/index.js";
import { lstm } from "../../../src/tensor/ops/lstm.js";
import { Tensor } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor } from "../../helpers/gradcheck.js";
import { allFinite, assertBitwiseEqual, assertClose, evaluate, weights } from "./support.js";

const B = 3;
const T = 4;
const N = 2;
const lengths = Int32Array.of(4, 2, 0);

/** NativeLstm2 written with elementary ops: gates [j, i, f, o], state kept on padded steps. */
function composedLstm(xp: Tensor, wRe: Tensor, lens: Int32Array, backward: boolean, c0: Tensor, h0: Tensor) {
  const [b, t, n4] = xp.shape;
  const n = n4 / 4;
  let c = c0;
  let h = h0;
  const ys: Tensor[] = new Array(t);
  for (let s = 0; s < t; s++) {
    const step = backward ? t - 1 - s : s;
    const valid = new Tensor(
      [b, 1],
      Float32Array.from(lens, (l) => (step < l ? 1 : 0)),
    );
    const z = ops.add(ops.reshape(ops.slice(xp, [0, step, 0], [b, 1, n4]), [b, n4]), ops.matmul(h, wRe));
    const [zj, zi, zf, zo] = ops.split(z, 4, 1);
    const cNew = ops.add(ops.mul(ops.sigmoid(zf), c), ops.mul(ops.sigmoid(zi), ops.tanh(zj)));
    const yNew = ops.mul(ops.sigmoid(zo), ops.tanh(cNew));
    c = ops.where(valid, cNew, c);
    h = ops.where(valid, yNew, h);
    ys[step] = ops.reshape(ops.where(valid, yNew, 0), [b, 1, n]);
  }
  return { y: ops.concat(ys, 1), c, h };
}

const xpOf = (seed: number) => randTensor([B, T, 4 * N], seed, -2, 2);
const wReOf = (seed: number) => randTensor([N, 4 * N], seed);

for (const backward of [false, true]) {
  test(`lstm ${backward ? "backward" : "forward"} direction matches the composed cell (outputs, final state, gradients)`, () => {
    const xp = xpOf(1);
    const wRe = wReOf(2);
    const c0 = randTensor([B, N], 3);
    const h0 = randTensor([B, N], 4);
    const objective = (useFused: boolean) => () => {
      const r = useFused
        ? lstm(xp, wRe, { lengths, backward, c0, h0 })
        : composedLstm(xp, wRe, lengths, backward, c0, h0);
      const flat = ops.concat([ops.reshape(r.y, [-1]), ops.reshape(r.c, [-1]), ops.reshape(r.h, [-1])], 0);
      return ops.sum(ops.mul(flat, new Tensor(flat.shape, Float32Array.from(weights(flat.size)))));
    };
    const fused = evaluate(objective(true), [xp, wRe, c0, h0]);
    const composed = evaluate(objective(false), [xp, wRe, c0, h0]);
    assertClose(fused.value, composed.value, { atol: 1e-5, rtol: 1e-5 });
    for (const [i, g] of fused.grads.entries())
      assertClose(g!, composed.grads[i]!, { atol: 1e-5, rtol: 1e-4 }, `gradient of input ${i}`);
  });
}

test("lstm gradients pass central differences for outputs and final state", () => {
  for (const backward of [false, true]) {
    gradCheck(
      (xp, wRe, c0, h0) => {
        const r = lstm(xp, wRe, { lengths, backward, c0, h0 });
        return ops.concat([ops.reshape(r.y, [-1]), ops.reshape(r.c, [-1]), ops.reshape(r.h, [-1])], 0);
      },
      [xpOf(5), wReOf(6), randTensor([B, N], 7), randTensor([B, N], 8)],
    );
  }
});

test("lstm: NaN in padded input frames reaches no output and no gradient", () => {
  for (const backward of [false, true]) {
    const clean = xpOf(9);
    const poisoned = new Tensor(clean.shape, clean.f32.slice());
    for (let b = 0; b < B; b++)
      for (let t = lengths[b]; t < T; t++)
        poisoned.f32.fill(Number.NaN, (b * T + t) * 4 * N, (b * T + t + 1) * 4 * N);
    const wRe = wReOf(10);
    const run = (xp: Tensor) =>
      evaluate(() => {
        const r = lstm(xp, wRe, { lengths, backward });
        return ops.add(ops.sum(ops.mul(r.y, r.y)), ops.sum(ops.add(r.c, r.h)));
      }, [xp, wRe]);
    const a = run(clean);
    const p = run(poisoned);
    assert.ok(allFinite(p.value) && allFinite(p.grads[1]!), "value and W_re gradient stay finite");
    assert.deepEqual(p.value, a.value);
    assert.deepEqual(p.grads[1], a.grads[1]);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let k = 0; k < 4 * N; k++) {
          const i = (b * T + t) * 4 * N + k;
          assert.equal(p.grads[0]![i], t < lengths[b] ? a.grads[0]![i] : 0, `dxp[${b},${t},${k}]`);
        }
  }
});

test("lstm: padded steps output 0 and the final state is taken after the last valid step", () => {
  const xp = xpOf(11);
  const wRe = wReOf(12);
  const full = lstm(xp, wRe, { lengths });
  const short = lstm(ops.slice(xp, [1, 0, 0], [1, 2, 4 * N]), wRe, { lengths: Int32Array.of(2) });
  assert.deepEqual(Array.from(ops.slice(full.y, [1, 2, 0], [1, 2, N]).f32), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(ops.slice(full.h, [1, 0], [1, N]).f32), Array.from(short.h.f32));
  assert.deepEqual(Array.from(ops.slice(full.c, [1, 0], [1, N]).f32), Array.from(short.c.f32));
  // The length-0 sequence keeps the zero initial state.
  assert.deepEqual(Array.from(ops.slice(full.h, [2, 0], [1, N]).f32), [0, 0]);
});

test("lstm backward direction equals the forward direction on time-reversed sequences", () => {
  const xp = xpOf(13);
  const wRe = wReOf(14);
  const len = Int32Array.of(3);
  const one = ops.slice(xp, [0, 0, 0], [1, 3, 4 * N]);
  const reversed = ops.concat(
    [2, 1, 0].map((t) => ops.slice(one, [0, t, 0], [1, 1, 4 * N])),
    1,
  );
  const bwd = lstm(one, wRe, { lengths: len, backward: true });
  const fwd = lstm(reversed, wRe, { lengths: len });
  for (let t = 0; t < 3; t++)
    assert.deepEqual(
      Array.from(ops.slice(bwd.y, [0, t, 0], [1, 1, N]).f32),
      Array.from(ops.slice(fwd.y, [0, 2 - t, 0], [1, 1, N]).f32),
    );
});

test("lstm rejects mismatched shapes and lengths with a message", () => {
  assert.throws(() => lstm(xpOf(1), randTensor([N, 3 * N], 2), { lengths }), /xp \[B, T, 4n\]/);
  assert.throws(() => lstm(xpOf(1), wReOf(2), { lengths: Int32Array.of(1, 5, 0) }), /length 5 outside/);
});

test("lstmPair: outputs, final states and every gradient are those of two lstm calls, bit for bit", () => {
  const a = { xp: xpOf(11), wRe: wReOf(12), c0: randTensor([B, N], 13), h0: randTensor([B, N], 14) };
  const b = {
    xp: randTensor([2, 5, 4 * N], 15, -2, 2),
    wRe: wReOf(16),
    c0: randTensor([2, N], 17),
    h0: randTensor([2, N], 18),
  };
  const aOpts = { lengths, c0: a.c0, h0: a.h0 };
  const bOpts = { lengths: Int32Array.of(5, 3), backward: true, c0: b.c0, h0: b.h0 };
  const inputs = [a.xp, a.wRe, a.c0, a.h0, b.xp, b.wRe, b.c0, b.h0];
  // `useYB` false: the second LSTM's outputs feed nothing, only its final state does.
  for (const useYB of [true, false]) {
    const objective = (paired: boolean) => () => {
      const [ra, rb] = paired
        ? ops.lstmPair({ xp: a.xp, wRe: a.wRe, o: aOpts }, { xp: b.xp, wRe: b.wRe, o: bOpts })
        : [lstm(a.xp, a.wRe, aOpts), lstm(b.xp, b.wRe, bOpts)];
      const parts = [ra.y, ra.c, ra.h, ...(useYB ? [rb.y] : []), rb.c, rb.h].map((t) => ops.reshape(t, [-1]));
      const flat = ops.concat(parts, 0);
      return ops.sum(ops.mul(flat, new Tensor(flat.shape, Float32Array.from(weights(flat.size)))));
    };
    const paired = evaluate(objective(true), inputs);
    const single = evaluate(objective(false), inputs);
    assertBitwiseEqual(paired.value, single.value, "objective");
    for (const [i, g] of paired.grads.entries())
      assertBitwiseEqual(g!, single.grads[i]!, `gradient of input ${i} (y of the second used: ${useYB})`);
  }
});
