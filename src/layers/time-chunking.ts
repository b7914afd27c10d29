/**
 * `time_chunking` / `time_unchunking` (RETURNN TimeChunkingLayer,
 * TimeUnChunkingLayer, native_op Chunking/UnChunking): the time axis cut into
 * overlapping chunks that become batch entries, and back.
 *
 * Chunking [B, T, ...] gives [B·n, C, ...] with n = ⌊max(T − size + step − 1, 0)
 * / step⌋ + 1 chunks per sequence (T the padded length, so every sequence has
 * n), chunk c of sequence b at batch entry b·n + c holding frames step·c …
 * step·c + size − 1; its length is what of them lies inside the sequence
 * (possibly 0). Unchunking averages, per frame, the chunks that hold it
 * validly (ascending chunk order) and gives back [B, T, ...] with the
 * chunked layer's input dims.
 */
import { z } from "zod";
import { batchDim, Data, type Dim, timeDim } from "../network/data.js";
import * as ops from "../tensor/ops/index.js";
import { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";
import { registerLayer } from "./registry.js";
import { concatFeatures } from "./util/align.js";

interface Chunking {
  readonly batch: Dim; // the input's batch and time dims, restored by unchunking
  readonly time: Dim;
  readonly chunks: number;
  readonly size: number;
  readonly step: number;
}

/** What a chunked batch dim came from, for time_unchunking (dims are compared by identity). */
const chunkedBatches = new WeakMap<Dim, Chunking>();

const chunkOptions = {
  chunk_size: z.number().int().positive(),
  chunk_step: z.number().int().positive(),
  axis: z.literal("T").optional(),
};

/** Chunk count per sequence for padded length T (native_op Chunking). */
export function chunkCount(T: number, size: number, step: number): number {
  return Math.floor(Math.max(T - size + step - 1, 0) / step) + 1;
}

/** The sources, concatenated on the feature axis (RETURNN's _ConcatInputLayer). */
function source(inputs: readonly Data[], where: string): Data {
  if (inputs.length === 0) throw new ReproError(`${where}: needs a source in "from"`);
  if (inputs.length === 1) return inputs[0];
  const x = concatFeatures(inputs, where);
  return new Data(x.value, x.dims);
}

/** Gathers rows of x ([N, ...] flattened) by `rows` (−1: a zero row), differentiably. */
function gatherRows(x: Tensor, rows: Int32Array, rest: number[]): Tensor {
  const flat = ops.reshape(x, [x.shape[0], -1]);
  const picked = ops.gather(
    flat,
    new Tensor(
      [rows.length],
      rows.map((r) => Math.max(r, 0)),
    ),
    0,
  );
  const valid = new Tensor(
    [rows.length, 1],
    Float32Array.from(rows, (r) => (r >= 0 ? 1 : 0)),
  );
  return ops.reshape(ops.where(valid, picked, 0), [rows.length, ...rest]);
}

const timeChunking: LayerDef<typeof chunkOptions> = {
  options: chunkOptions,
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const x = source(inputs, where);
    if (x.batchAxis !== 0 || x.timeAxis !== 1 || x.sparse)
      throw new ReproError(
        `${where}: time_chunking needs dense [batch, time, ...] input, got (${x.describe()})`,
      );
    const [B, T, ...rest] = x.value.shape;
    const { chunk_size: size, chunk_step: step } = opts;
    const n = chunkCount(T, size, step);
    const lengths = x.dims[1].lengths ?? new Int32Array(B).fill(T);
    const chunkLengths = new Int32Array(B * n);
    for (let b = 0; b < B; b++)
      for (let c = 0; c < n; c++)
        chunkLengths[b * n + c] = Math.min(Math.max(lengths[b] - step * c, 0), size);
    const time = timeDim(chunkLengths, `${where}:chunk`);
    const rows = new Int32Array(B * n * time.size).fill(-1);
    for (let bc = 0; bc < B * n; bc++) {
      const [b, c] = [Math.floor(bc / n), bc % n];
      for (let t = 0; t < chunkLengths[bc]; t++) rows[bc * time.size + t] = b * T + step * c + t;
    }
    const value = ops.reshape(gatherRows(ops.reshape(x.value, [B * T, ...rest]), rows, rest), [
      B * n,
      time.size,
      ...rest,
    ]);
    const batch = batchDim(B * n);
    chunkedBatches.set(batch, { batch: x.dims[0], time: x.dims[1], chunks: n, size, step });
    return new Data(value, [batch, time, ...x.dims.slice(2)]);
  },
};

const unchunkOptions = { chunking_layer: z.string() };

const timeUnchunking: LayerDef<typeof unchunkOptions> = {
  options: unchunkOptions,
  refs: (opts) => [opts.chunking_layer],
  forward(ctx, inputs, opts) {
    const where = ctx.path;
    const y = source(inputs, where);
    const info = chunkedBatches.get(ctx.layer(opts.chunking_layer).dims[0]);
    if (!info)
      throw new ReproError(
        `${where}: option "chunking_layer": "${opts.chunking_layer}" is not a time_chunking layer`,
      );
    if (y.dims[0] !== ctx.layer(opts.chunking_layer).dims[0] || y.timeAxis !== 1)
      throw new ReproError(
        `${where}: the source must have the chunked batch and a time axis second, got (${y.describe()})`,
      );
    const [, S, ...rest] = y.value.shape;
    const { batch, time, chunks: n, size, step } = info;
    const [B, T] = [batch.size, time.size];
    const lengths = time.lengths ?? new Int32Array(B).fill(T);
    const yLengths = y.dims[1].lengths!;
    // Frame t of sequence b sits in chunks c with step·c ≤ t < step·c + size: at most ⌈size/step⌉ of them.
    const overlaps = Math.ceil(size / step);
    const picks = Array.from({ length: overlaps }, () => new Int32Array(B * T).fill(-1));
    const counts = new Float32Array(B * T);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < lengths[b]; t++) {
        const first = Math.max(0, Math.floor((t - size + step) / step));
        for (let c = first, k = 0; c < n && step * c <= t; c++, k++) {
          const bc = b * n + c;
          const at = t - step * c;
          if (at >= yLengths[bc] || at >= S) continue;
          picks[k][b * T + t] = bc * S + at;
          counts[b * T + t]++;
        }
      }
    const flat = ops.reshape(y.value, [B * n * S, ...rest]);
    let sum: Tensor | undefined;
    for (const rows of picks) {
      const part = gatherRows(flat, rows, rest);
      sum = sum ? ops.add(sum, part) : part;
    }
    const scale = new Tensor(
      [B * T, ...rest.map(() => 1)],
      Float32Array.from(counts, (c) => (c > 0 ? 1 / c : 0)),
    );
    const value = ops.reshape(ops.mul(sum!, scale), [B, T, ...rest]);
    return new Data(value, [batch, time, ...y.dims.slice(2)]);
  },
};

registerLayer("time_chunking", timeChunking);
registerLayer("time_unchunking", timeUnchunking);
