/**
 * `self_attention`: multi-head dot-product self-attention (RETURNN
 * SelfAttentionLayer). One fused parameter `QKV` [n_in, 2·total_key_dim + n_out]
 * without bias; its columns are grouped per head (head h owns the h-th block of
 * (2·total_key_dim + n_out)/num_heads columns: its query, key and value parts),
 * as RETURNN reshapes to (heads, qkv-dim/heads) before splitting. Queries are
 * scaled by (total_key_dim/num_heads)^−0.5; keys beyond each sequence's end are
 * masked (and, with `attention_left_only`, keys after the query).
 *
 * It attends over the time axis — or the rec loop axis when the input has one
 * (a decoder in training: teacher forcing over the whole target). Every other
 * axis but the feature axis acts as a batch axis. Padded frames (of every time
 * axis) are zeroed before the projection, so NaN or ±inf there reaches no valid
 * frame and no gradient.
 */
import { z } from "zod";
import { Data, staticDim } from "../network/data.js";
import { glorotUniform, parseInitializer } from "../rng/initializers.js";
import { attentionPacked, concat, matmul, mul, reshape, slice, softmax } from "../tensor/ops/index.js";
import { ReproError } from "../util/errors.js";
import type { LayerContext, LayerDef, LayerOptions } from "./layer.js";
import { registerLayer } from "./registry.js";
import { permuteIfNeeded, zeroPadding } from "./util/axes.js";

const options = {
  num_heads: z.number().int().positive(),
  total_key_dim: z.number().int().positive(),
  attention_left_only: z.boolean().default(false),
  attention_dropout: z.number().min(0).lt(1).default(0),
  forward_weights_init: z.union([z.number(), z.string(), z.record(z.string(), z.unknown())]).optional(),
};

const selfAttention: LayerDef<typeof options> = {
  options,
  forward(ctx, inputs, opts) {
    if (ctx.rec?.step !== undefined) return stepForward(ctx, inputs, opts);
    if (inputs.length !== 1) {
      throw new ReproError(`${ctx.path}: self_attention needs exactly 1 source, got ${inputs.length}`);
    }
    const [x] = inputs;
    const H = opts.num_heads;
    const K = opts.total_key_dim;
    const V = opts.n_out;
    if (V === undefined) throw new ReproError(`${ctx.path}: option "n_out" (the value dim) is required`);
    if (K % H !== 0)
      throw new ReproError(`${ctx.path}: total_key_dim ${K} is not divisible by num_heads ${H}`);
    if (V % H !== 0) throw new ReproError(`${ctx.path}: n_out ${V} is not divisible by num_heads ${H}`);
    const f = x.featureAxis;
    if (f < 0)
      throw new ReproError(
        `${ctx.path}: self_attention needs dense input with a feature axis (${x.describe()})`,
      );
    const att = x.loopAxis >= 0 ? x.loopAxis : x.timeAxis;
    if (att < 0) throw new ReproError(`${ctx.path}: self_attention needs a time axis (${x.describe()})`);
    const tDim = x.dims[att];
    const T = tDim.size;
    const nIn = x.dims[f].size;
    const kh = K / H;
    const vh = V / H;
    const width = 2 * kh + vh; // columns per head

    const W = ctx.param("QKV", [nIn, 2 * K + V], initializer(ctx, opts), qkvSplit(nIn, K, V, H));

    // [others..., T, F] → [N, T, F], padded frames of the attended axis zeroed.
    const lengths = tDim.lengths ?? new Int32Array(x.dims[0].size).fill(T);
    const xs = zeroPadding(x); // every time axis: the QKV gradient sums over all frames
    const others = [...x.dims.keys()].filter((a) => a !== att && a !== f);
    const perm = [...others, att, f];
    const N = others.reduce((n, a) => n * x.dims[a].size, 1);
    const R = N / x.dims[0].size; // rows per batch entry (others beyond batch)
    const x3 = reshape(permuteIfNeeded(xs, perm), [N, T, nIn]);

    // One fused kernel on the packed projection: bit for bit softmax(q·kᵀ/√kh, masked) (with
    // dropout) · v per head, as slicing, transposing and composed ops would compute it
    // (test/tensor/ops/fused.test.ts), in fewer passes and without the copies.
    const drop = ctx.train && opts.attention_dropout > 0;
    const attended = attentionPacked(reshape(matmul(x3, W), [N, T, H, width]), kh, {
      lengths,
      rowsPerLength: R,
      scale: kh ** -0.5,
      causal: opts.attention_left_only,
      dropout: drop ? { rate: opts.attention_dropout, uniform: ctx.dropoutUniform("attention") } : undefined,
    }); // [N, T, H, vh]
    const outPermuted = reshape(attended, [...others.map((a) => x.dims[a].size), T, V]);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const dims = x.dims.map((d, a) => (a === f ? staticDim(V) : d));
    return new Data(permuteIfNeeded(outPermuted, inverse), dims);
  },
};

/**
 * One decoder step of search: the step's keys and values are appended to the
 * cached ones (layer state) and the query attends over all steps so far —
 * the same numbers as left-only attention over the whole sequence.
 */
function stepForward(ctx: LayerContext, inputs: readonly Data[], opts: Options): Data {
  const [x] = inputs;
  if (!opts.attention_left_only) {
    throw new ReproError(
      `${ctx.path}: step-by-step search needs "attention_left_only": true inside a rec unit`,
    );
  }
  if (x.dims.length !== 2 || x.featureAxis !== 1) {
    throw new ReproError(
      `${ctx.path}: step-wise self_attention expects [batch, feature] input (${x.describe()})`,
    );
  }
  const state = ctx.rec!.state!;
  const H = opts.num_heads;
  const K = opts.total_key_dim;
  const V = opts.n_out!;
  const kh = K / H;
  const vh = V / H;
  const [N, nIn] = x.value.shape;
  const W = ctx.param("QKV", [nIn, 2 * K + V], initializer(ctx, opts), qkvSplit(nIn, K, V, H));
  const qkv = reshape(matmul(x.value, W), [N, H, 1, 2 * kh + vh]);
  const part = (begin: number, size: number) => slice(qkv, [0, 0, 0, begin], [N, H, 1, size]);
  const previous = state.get();
  const k = previous ? concat([previous[0], part(kh, kh)], 2) : part(kh, kh); // [N, H, t+1, kh]
  const v = previous ? concat([previous[1], part(2 * kh, vh)], 2) : part(2 * kh, vh);
  state.set([k, v]);
  const q = mul(part(0, kh), kh ** -0.5);
  const weights = softmax(matmul(q, k, { transB: true }), -1); // [N, H, 1, t+1]
  const out = reshape(matmul(weights, v), [N, V]);
  return new Data(out, [x.dims[0], staticDim(V)]);
}

type Options = LayerOptions<typeof options>;

function initializer(ctx: LayerContext, opts: Options) {
  return opts.forward_weights_init === undefined
    ? glorotUniform()
    : parseInitializer(opts.forward_weights_init, `${ctx.path}: forward_weights_init`);
}

registerLayer("self_attention", selfAttention);

/** QKV's blocks: the input axis whole, the output axis per head [q, k, v] (the layout above). */
function qkvSplit(nIn: number, K: number, V: number, H: number): number[][] {
  const perHead = [K / H, K / H, V / H];
  return [[nIn], Array.from({ length: H }, () => perHead).flat()];
}
