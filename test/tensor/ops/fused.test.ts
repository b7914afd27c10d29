/**
 * Fused ops against their composed versions (the oracle): values and
 * gradients bit for bit, on the active kernels and on both kernel sets; plus a
 * finite-difference gradient check (gradCheck's stated default tolerance).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { kernels, setKernels } from "../../../src/kernels/active.js";
import { jsKernels } from "../../../src/kernels/js/index.js";
import { nativeKernels } from "../../../src/kernels/native/index.js";
import { tensorBytesTrace } from "../../../src/tensor/meter.js";
import {
  attention,
  attentionPacked,
  crossAttention,
  dropout,
  matmul,
  mul,
  reshape,
  slice,
  softmax,
  transpose,
  where,
} from "../../../src/tensor/ops/index.js";
import { Tensor } from "../../../src/tensor/tensor.js";
import { gradCheck, randTensor } from "../../helpers/gradcheck.js";
import { allFinite, assertBitwiseEqual, assertShape, weightedGrads, weights } from "./support.js";

interface Case {
  name: string;
  n: number;
  h: number;
  tq: number;
  tk: number;
  dk: number;
  dv: number;
  lengths: number[];
  rowsPerLength: number;
  causal: boolean;
  rate: number;
}

const cases: Case[] = [
  {
    name: "encoder self-attention",
    n: 3,
    h: 2,
    tq: 5,
    tk: 5,
    dk: 4,
    dv: 3,
    lengths: [5, 3, 1],
    rowsPerLength: 1,
    causal: false,
    rate: 0,
  },
  {
    name: "causal decoder with dropout",
    n: 4,
    h: 2,
    tq: 6,
    tk: 6,
    dk: 3,
    dv: 4,
    lengths: [6, 4],
    rowsPerLength: 2,
    causal: true,
    rate: 0.3,
  },
  {
    name: "cross-attention, Tq ≠ Tk, an empty sequence",
    n: 2,
    h: 3,
    tq: 3,
    tk: 7,
    dk: 5,
    dv: 2,
    lengths: [7, 0],
    rowsPerLength: 1,
    causal: false,
    rate: 0.1,
  },
];

/** A fixed uniform stream (what the keyed RNG would hand the op). */
const uniformFrom = (seed: number) => (count: number) =>
  Float32Array.from(weights(count, seed), (w) => (w + 1) / 2);

/** Keep-mask [N, 1, Tq, Tk] as the composed version needs it. */
function keepMask(c: Case): Tensor {
  const m = new Float32Array(c.n * c.tq * c.tk);
  for (let r = 0; r < c.n; r++) {
    const len = c.lengths[Math.floor(r / c.rowsPerLength)];
    for (let i = 0; i < c.tq; i++)
      for (let j = 0; j < c.tk; j++) if (j < len && (!c.causal || j <= i)) m[(r * c.tq + i) * c.tk + j] = 1;
  }
  return new Tensor([c.n, 1, c.tq, c.tk], m);
}

function composed(c: Case, q: Tensor, k: Tensor, v: Tensor): Tensor {
  const energy = matmul(mul(q, c.dk ** -0.5), k, { transB: true });
  let w = softmax(energy, -1, keepMask(c));
  if (c.rate > 0) w = dropout(w, c.rate, uniformFrom(99));
  return matmul(w, v);
}

function fused(c: Case, q: Tensor, k: Tensor, v: Tensor): Tensor {
  return attention(q, k, v, {
    lengths: Int32Array.from(c.lengths),
    rowsPerLength: c.rowsPerLength,
    scale: c.dk ** -0.5,
    causal: c.causal,
    dropout: c.rate > 0 ? { rate: c.rate, uniform: uniformFrom(99) } : undefined,
  });
}

function inputs(c: Case): [Tensor, Tensor, Tensor] {
  return [
    randTensor([c.n, c.h, c.tq, c.dk], 1, -2, 2),
    randTensor([c.n, c.h, c.tk, c.dk], 2, -2, 2),
    randTensor([c.n, c.h, c.tk, c.dv], 3, -2, 2),
  ];
}

const kernelSets = [jsKernels, nativeKernels()].filter((k) => k !== null);

for (const c of cases) {
  for (const ks of kernelSets) {
    test(`attention (${c.name}) on ${ks.name} kernels: value and gradients bitwise equal to the composed ops`, () => {
      const before = kernels();
      setKernels(ks);
      try {
        const xs = inputs(c);
        const w = weights(c.n * c.h * c.tq * c.dv, 5);
        const a = weightedGrads(() => fused(c, ...xs), xs, w);
        const b = weightedGrads(() => composed(c, ...xs), xs, w);
        assertBitwiseEqual(a.value, b.value, "value");
        for (let i = 0; i < 3; i++) assertBitwiseEqual(a.grads[i]!, b.grads[i]!, `grad ${"qkv"[i]}`);
        assert.ok(a.grads.every((g) => g !== null && allFinite(g)));
      } finally {
        setKernels(before);
      }
    });
  }
}

test("attention: finite-difference gradient check on the active kernels (causal, ragged lengths)", () => {
  const c: Case = {
    name: "",
    n: 2,
    h: 1,
    tq: 3,
    tk: 3,
    dk: 2,
    dv: 2,
    lengths: [3, 2],
    rowsPerLength: 1,
    causal: true,
    rate: 0,
  };
  gradCheck((q, k, v) => fused(c, q, k, v), inputs(c));
});

for (const c of cases.filter((x) => x.tq === x.tk)) {
  for (const ks of kernelSets) {
    test(`attentionPacked (${c.name}) on ${ks.name} kernels: bitwise what slicing, transposing and attention give`, () => {
      const before = kernels();
      setKernels(ks);
      try {
        const width = 2 * c.dk + c.dv;
        const qkv = randTensor([c.n, c.tq, c.h, width], 4, -2, 2);
        const o = {
          lengths: Int32Array.from(c.lengths),
          rowsPerLength: c.rowsPerLength,
          scale: c.dk ** -0.5,
          causal: c.causal,
          dropout: c.rate > 0 ? { rate: c.rate, uniform: uniformFrom(97) } : undefined,
        };
        const sliced = () => {
          const t = transpose(qkv, [0, 2, 1, 3]);
          const part = (begin: number, size: number) => slice(t, [0, 0, 0, begin], [c.n, c.h, c.tq, size]);
          const out = attention(part(0, c.dk), part(c.dk, c.dk), part(2 * c.dk, c.dv), o);
          return reshape(transpose(out, [0, 2, 1, 3]), [c.n, c.tq, c.h * c.dv]);
        };
        const packed = () => reshape(attentionPacked(qkv, c.dk, o), [c.n, c.tq, c.h * c.dv]);
        const w = weights(c.n * c.tq * c.h * c.dv, 8);
        const a = weightedGrads(packed, [qkv], w);
        const b = weightedGrads(sliced, [qkv], w);
        assertBitwiseEqual(a.value, b.value, "value");
        assertBitwiseEqual(a.grads[0]!, b.grads[0]!, "grad qkv");
      } finally {
        setKernels(before);
      }
    });
  }
}

test("attention: a sequence with no visible key gets uniform weights and no gradient to its queries and keys", () => {
  const c = { ...cases[2], rate: 0 }; // without dropout the output shows the weights directly
  const [q, k, v] = inputs(c);
  // Row 1 (length 0): every query sees the mean of all values...
  const out = fused(c, q, k, v).toArray();
  for (let h = 0; h < c.h; h++)
    for (let i = 0; i < c.tq; i++)
      for (let d = 0; d < c.dv; d++) {
        let mean = 0;
        for (let j = 0; j < c.tk; j++) mean += v.data[((c.h + h) * c.tk + j) * c.dv + d] / c.tk;
        const got = out[((c.h + h) * c.tq + i) * c.dv + d];
        assert.ok(Math.abs(got - mean) < 1e-6, `head ${h} query ${i} dim ${d}: ${got} vs mean ${mean}`);
      }
  // ...and q and k get exactly zero gradient.
  const r = weightedGrads(() => fused(c, q, k, v), [q, k, v], weights(c.n * c.h * c.tq * c.dv, 5));
  const per = c.h * c.tq * c.dk;
  assert.ok(r.grads[0]!.slice(per, 2 * per).every((g) => g === 0));
  assert.ok(r.grads[1]!.slice(c.h * c.tk * c.dk).every((g) => g === 0));
});

test("attention: shapes are checked, and lengths must cover N", () => {
  const [q, k, v] = inputs(cases[0]);
  assertShape(fused(cases[0], q, k, v), [3, 2, 5, 3]);
  assert.throws(() => attention(q, k, v, { lengths: Int32Array.of(5, 5), scale: 1 }), /lengths/);
  assert.throws(() => attention(q, v, v, { lengths: Int32Array.of(5, 5, 5), scale: 1 }), /do not fit/);
});

// --- cross-attention (the decoder's dot → softmax_over_spatial → dropout → generic_attention) ---

interface CrossCase {
  name: string;
  b: number;
  h: number;
  tq: number;
  tk: number;
  dk: number;
  dv: number;
  qLengths: number[];
  kLengths: number[];
  factor: number;
  rate: number;
}

const crossCases: CrossCase[] = [
  {
    name: "ragged decoder and encoder, dropout",
    b: 3,
    h: 2,
    tq: 4,
    tk: 5,
    dk: 3,
    dv: 2,
    qLengths: [4, 2, 1],
    kLengths: [5, 3, 0],
    factor: 3 ** -0.5,
    rate: 0.2,
  },
  {
    name: "full lengths, no dropout, a single query",
    b: 2,
    h: 3,
    tq: 1,
    tk: 6,
    dk: 4,
    dv: 5,
    qLengths: [1, 1],
    kLengths: [6, 6],
    factor: 0.5,
    rate: 0,
  },
];

/** 1 for frames t < lengths[b], shaped [B, T, 1, 1] (or [B, 1, 1, T] for a last time axis). */
function frames(lengths: number[], t: number, last = false): Tensor {
  const m = new Float32Array(lengths.length * t);
  lengths.forEach((l, b) => {
    m.fill(1, b * t, b * t + l);
  });
  return new Tensor(last ? [lengths.length, 1, 1, t] : [lengths.length, t, 1, 1], m);
}

/**
 * The ops the layers run, in their order (src/layers/dot.ts, softmax-over-spatial.ts,
 * generic-attention.ts, network/dropout.ts): padded frames zeroed, the energies
 * key·queryᵀ, × factor, masked softmax, dropout, padded weights zeroed, weights · values.
 */
function composedCross(c: CrossCase, q: Tensor, k: Tensor, v: Tensor): Tensor {
  const qz = transpose(where(frames(c.qLengths, c.tq), q, 0), [0, 2, 1, 3]); // [B, H, Tq, dk]
  const kz = transpose(where(frames(c.kLengths, c.tk), k, 0), [0, 2, 1, 3]); // [B, H, Tk, dk]
  const energy = transpose(matmul(kz, qz, { transB: true }), [0, 3, 1, 2]); // [B, Tq, H, Tk]
  const keys = frames(c.kLengths, c.tk, true);
  let w = softmax(mul(energy, c.factor), 3, keys);
  if (c.rate > 0) w = dropout(w, c.rate, uniformFrom(98));
  w = where(keys, where(frames(c.qLengths, c.tq), w, 0), 0);
  const vz = transpose(where(frames(c.kLengths, c.tk), v, 0), [0, 2, 3, 1]); // [B, H, dv, Tk]
  return transpose(matmul(transpose(w, [0, 2, 1, 3]), vz, { transB: true }), [0, 2, 1, 3]);
}

function fusedCross(c: CrossCase, q: Tensor, k: Tensor, v: Tensor): Tensor {
  return crossAttention(q, k, v, {
    qLengths: Int32Array.from(c.qLengths),
    kLengths: Int32Array.from(c.kLengths),
    factor: c.factor,
    dropout: c.rate > 0 ? { rate: c.rate, uniform: uniformFrom(98) } : undefined,
  });
}

/** q, k, v with NaN in every padded frame: neither version may let it through. */
function crossInputs(c: CrossCase): [Tensor, Tensor, Tensor] {
  const poison = (t: Tensor, lengths: number[]) => {
    const [b, steps] = t.shape;
    const row = t.size / (b * steps);
    for (let n = 0; n < b; n++) t.f32.fill(Number.NaN, (n * steps + lengths[n]) * row, (n + 1) * steps * row);
    return t;
  };
  return [
    poison(randTensor([c.b, c.tq, c.h, c.dk], 11, -2, 2), c.qLengths),
    poison(randTensor([c.b, c.tk, c.h, c.dk], 12, -2, 2), c.kLengths),
    poison(randTensor([c.b, c.tk, c.h, c.dv], 13, -2, 2), c.kLengths),
  ];
}

for (const c of crossCases) {
  for (const ks of kernelSets) {
    test(`crossAttention (${c.name}) on ${ks.name} kernels: value and gradients bitwise equal to the layers' ops`, () => {
      const before = kernels();
      setKernels(ks);
      try {
        const xs = crossInputs(c);
        const w = weights(c.b * c.tq * c.h * c.dv, 6);
        const a = weightedGrads(() => fusedCross(c, ...xs), xs, w);
        const b = weightedGrads(() => composedCross(c, ...xs), xs, w);
        assertBitwiseEqual(a.value, b.value, "value");
        for (let i = 0; i < 3; i++) assertBitwiseEqual(a.grads[i]!, b.grads[i]!, `grad ${"qkv"[i]}`);
        assert.ok(allFinite(a.value) && a.grads.every((g) => g !== null && allFinite(g)));
      } finally {
        setKernels(before);
      }
    });
  }
}

test("crossAttention: finite-difference gradient check on the active kernels (ragged lengths)", () => {
  const c = { ...crossCases[0], rate: 0, kLengths: [5, 3, 2] };
  const xs: [Tensor, Tensor, Tensor] = [
    randTensor([c.b, c.tq, c.h, c.dk], 14),
    randTensor([c.b, c.tk, c.h, c.dk], 15),
    randTensor([c.b, c.tk, c.h, c.dv], 16),
  ];
  gradCheck((q, k, v) => fusedCross(c, q, k, v), xs);
});

test("crossAttention: shapes and lengths are checked", () => {
  const [q, k, v] = crossInputs(crossCases[1]);
  assertShape(fusedCross(crossCases[1], q, k, v), [2, 1, 3, 5]);
  assert.throws(() => crossAttention(q, k, v, { kLengths: Int32Array.of(6) }), /kLengths/);
  assert.throws(() => crossAttention(q, v, v), /do not fit/);
});

test("the memory meter counts the attention weights a fused op keeps for backward ([N, H, Tq, Tk] floats)", () => {
  const [n, h, t, d] = [2, 3, 7, 4];
  const q = randTensor([n, h, t, d], 1);
  const trace = tensorBytesTrace(() => {
    attention(q, q, q, { lengths: Int32Array.of(t, t), scale: 0.5 });
  }, [q]);
  const output = n * h * t * d * 4;
  assert.equal(Math.max(...trace), output + n * h * t * t * 4);
});
