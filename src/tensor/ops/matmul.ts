/** (Batched) matrix multiplication with transpose flags. */
import { kernels } from "../../kernels/active.js";
import { record } from "../tape.js";
import { empty, type Tensor } from "../tensor.js";
import { reshapeRaw, sameShape } from "./broadcast.js";
import { sum } from "./reduce.js";

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

interface Plan {
  batchShape: number[];
  batch: number;
  m: number;
  n: number;
  k: number;
}

function plan(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Plan {
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul needs rank ≥ 2, got [${a.shape}] and [${b.shape}]`);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2)
    throw new Error(
      `matmul: inner dims differ: [${a.shape}]${transA ? "ᵀ" : ""} · [${b.shape}]${transB ? "ᵀ" : ""}`,
    );
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  if (aBatch.length > 0 && bBatch.length > 0 && !sameShape(aBatch, bBatch)) {
    throw new Error(`matmul: batch dims [${aBatch}] and [${bBatch}] differ`);
  }
  const batchShape = aBatch.length > 0 ? aBatch : bBatch;
  return { batchShape, batch: batchShape.reduce((x, y) => x * y, 1), m, n, k };
}

function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const p = plan(a, b, transA, transB);
  const out = empty([...p.batchShape, p.m, p.n]);
  kernels().matmul(a.f32, b.f32, out.f32, {
    batch: p.batch,
    m: p.m,
    n: p.n,
    k: p.k,
    transA,
    transB,
    aBatchStride: a.rank > 2 ? p.m * p.k : 0,
    bBatchStride: b.rank > 2 ? p.k * p.n : 0,
  });
  return out;
}

/** Sums a per-batch gradient down to a matrix shared across the batch. */
function reduceBatch(g: Tensor, target: Tensor): Tensor {
  if (g.rank === target.rank) return g;
  return sum(reshapeRaw(g, [g.size / target.size, ...target.shape]), 0);
}

/**
 * op(a) · op(b) over the last two axes; leading axes are batch axes (equal on
 * both sides, or absent on one side, which then shares its matrix).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  // A rank-2 right operand with batched rows is one big GEMM: fold the batch into m.
  if (b.rank === 2 && a.rank > 2 && !transA) {
    const k = a.shape[a.rank - 1];
    return matmulRows(reshapeRaw(a, [a.size / k, k]), b, transB, a);
  }
  const out = matmulRaw(a, b, transA, transB);
  return record(out, [a, b], (g, needs) => {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      ga = transA
        ? transB
          ? matmulRaw(b, g, true, true)
          : matmulRaw(b, g, false, true)
        : transB
          ? matmulRaw(g, b, false, false)
          : matmulRaw(g, b, false, true);
      ga = reduceBatch(ga, a);
    }
    if (needs[1]) {
      gb = transB
        ? transA
          ? matmulRaw(g, a, true, true)
          : matmulRaw(g, a, true, false)
        : transA
          ? matmulRaw(a, g, false, false)
          : matmulRaw(a, g, true, false);
      gb = reduceBatch(gb, b);
    }
    return [ga, gb];
  });
}

/** [rows, k] · op(b) recorded against the original batched `a`. */
function matmulRows(rows: Tensor, b: Tensor, transB: boolean, a: Tensor): Tensor {
  const flat = matmulRaw(rows, b, false, transB);
  const n = flat.shape[1];
  const out = reshapeRaw(flat, [...a.shape.slice(0, -1), n]);
  return record(out, [a, b], (g, needs) => {
    const g2 = reshapeRaw(g, [rows.shape[0], n]);
    return [
      needs[0]
        ? reshapeRaw(transB ? matmulRaw(g2, b, false, false) : matmulRaw(g2, b, false, true), a.shape)
        : null,
      needs[1] ? (transB ? matmulRaw(g2, rows, true, false) : matmulRaw(rows, g2, true, false)) : null,
    ];
  });
}
