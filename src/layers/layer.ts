/**
 * What a layer class is: a typed option schema and a forward function. One
 * file per class registers itself by its RETURNN name (see registry.ts);
 * options are validated once, by the schema, and never mutated.
 */
import { z } from "zod";
import type { Data } from "../network/data.js";
import type { InitFn } from "../rng/initializers.js";
import type { DropoutNoise } from "../tensor/ops/nn.js";
import type { Tensor } from "../tensor/tensor.js";

/** Options every layer accepts (RETURNN's LayerBase options that we support). */
export const commonOptions = {
  class: z.string(),
  from: z.union([z.string(), z.array(z.string())]).optional(),
  n_out: z.number().int().positive().optional(),
  dropout: z.number().min(0).lt(1).optional(),
  dropout_noise_shape: z.record(z.string(), z.union([z.number().int(), z.null()])).optional(),
  loss: z.string().optional(),
  loss_scale: z.number().optional(),
  loss_opts: z.record(z.string(), z.unknown()).optional(),
  target: z.string().optional(),
  is_output_layer: z.boolean().optional(),
  reuse_params: z
    .union([
      z.string(),
      z
        .object({
          map: z.record(
            z.string(),
            z.object({ reuse_layer: z.string(), transpose: z.boolean().optional() }).strict(),
          ),
        })
        .strict(),
    ])
    .nullable() // RETURNN: None = no sharing
    .optional(),
  trainable: z.boolean().optional(),
  L2: z.number().min(0).optional(),
  out_type: z.record(z.string(), z.unknown()).optional(),
  /** RETURNN: the layer's output becomes extern data under this key (top-level layers; see network/graph.ts). */
  register_as_extern_data: z.string().optional(),
  /** Inside a rec unit: the output `prev:` reads before step 0 (src/network/rec-loop.ts). */
  initial_output: z.union([z.number(), z.string()]).optional(),
  /** RETURNN: the layer is built only in search; training never builds it (src/network/graph.ts drops it). */
  only_on_search: z.boolean().optional(),
};

export type CommonOptions = z.infer<z.ZodObject<typeof commonOptions>>;

/**
 * Per axis of a parameter, the sizes of the blocks it is made of (an LSTM's
 * gate blocks, the heads of a QKV matrix), as RETURNN's
 * `set_param_axes_split_info`: pretrain `copy_param_mode: "subset"` copies
 * block by block (src/train/split-axes.ts). A parameter without one cannot
 * change shape under "subset".
 */
export type AxesSplit = readonly (readonly number[])[];

/** Per-step facts inside a `rec` unit. */
export interface RecInfo {
  /** Step index in step-by-step search; undefined in training (whole sequence, loop axis present). */
  readonly step?: number;
  /**
   * Step-by-step only: this layer's state carried from the previous step (e.g.
   * self-attention's keys and values). Every state tensor has the (beam-expanded)
   * batch as axis 0, so the search can reorder it when hypotheses are re-ranked.
   */
  readonly state?: LayerState;
  /**
   * Step-by-step loops: a value that is the same at every step (an LSTM
   * cell's weights in the kernel's gate order), made at the first step under
   * `key` (the layer path) and reused until the loop ends.
   */
  readonly perLoop?: LoopMemo;
}

/** Values made once per recurrent loop (training's or search's), alive until the loop ends. */
export interface LoopMemo {
  get<T>(key: string, make: () => T): T;
}

export interface LayerState {
  get(): readonly Tensor[] | undefined;
  set(tensors: readonly Tensor[]): void;
}

/** What a layer's forward function may use. */
export interface LayerContext {
  /** Full layer path, e.g. "output/dec_01_att_query0"; parameters are named `${path}/${name}`. */
  readonly path: string;
  readonly train: boolean;
  /**
   * The layer's parameter `name` (from the layer `reuse_params` points to, if
   * any): created on first use from the keyed RNG with its full name, so its
   * initial value never depends on creation order.
   */
  param(name: string, shape: readonly number[], init: InitFn, split?: AxesSplit): Tensor;
  /**
   * A weight W of `shape` [n_in, n_out] for x·W, as `param` gives it — except
   * that a weight `reuse_params` maps with `transpose` comes back as the owner's
   * [n_out, n_in] matrix with `transposed` true, for `matmul(x, w, {transB})`
   * without copying it.
   */
  weight(
    name: string,
    shape: readonly [number, number],
    init: InitFn,
    split?: AxesSplit,
  ): { w: Tensor; transposed: boolean };
  /** Uniform [0,1) draws for dropout keyed by (seed, path/purpose, global step): `purpose` keeps masks apart. */
  dropoutUniform(purpose: string): DropoutNoise;
  /** Another layer's output, by the same names `from` accepts (`base:x`, `prev:x`, `data:classes`). */
  layer(name: string): Data;
  /** Set inside a `rec` unit. */
  readonly rec?: RecInfo;
}

export interface LayerDef<S extends z.ZodRawShape = z.ZodRawShape> {
  /** The layer's own options (beyond commonOptions). */
  readonly options: S;
  /** Layers referenced by options other than `from` (they become dependencies). */
  refs?(opts: LayerOptions<S>): string[];
  /** Whether `from` may be empty (default: at least one source is required). */
  readonly allowNoSources?: boolean;
  forward(ctx: LayerContext, inputs: readonly Data[], opts: LayerOptions<S>): Data;
}

export type LayerOptions<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>> & CommonOptions;
