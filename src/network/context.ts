/** The LayerContext the runner hands to each layer (also used directly by layer tests). */
import type { AxesSplit, LayerContext, RecInfo } from "../layers/layer.js";
import type { InitFn } from "../rng/initializers.js";
import { KeyedStream } from "../rng/keyed.js";
import { transpose } from "../tensor/ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Data } from "./data.js";
import type { ParamStore } from "./params.js";

export interface ContextOptions {
  path: string;
  train: boolean;
  params: ParamStore;
  /** Global training step: dropout masks are keyed by it (contract point 3). */
  step: number;
  /** Looks up another layer's output by reference (`x`, `base:x`, `prev:x`, `data:classes`). */
  resolve?: (name: string) => Data;
  /** Parameter owner: `path`, or the layer `reuse_params` names. Per-param overrides in `paramOwners`. */
  paramOwner?: string;
  paramOwners?: Readonly<Record<string, ParamReuse>>;
  trainable?: boolean;
  rec?: RecInfo;
  /** Called with each parameter the layer uses (for per-layer L2). */
  onParam?: (fullName: string, value: Tensor) => void;
}

/** One entry of `reuse_params: {map: ...}`: whose parameter, and whether this layer uses it transposed. */
export interface ParamReuse {
  owner: string;
  /** The owner's 2-D parameter is used as its transpose (output softmax tied to an embedding). */
  transpose?: boolean;
}

export function createContext(o: ContextOptions): LayerContext {
  /** The stored parameter `name` of `shape` (its owner's, per reuse_params). */
  const stored = (name: string, shape: readonly number[], init: InitFn, split?: AxesSplit): Tensor => {
    const fullName = `${o.paramOwners?.[name]?.owner ?? o.paramOwner ?? o.path}/${name}`;
    const value = o.params.get(fullName, shape, init, o.trainable ?? true);
    if (split) o.params.setSplit(fullName, split);
    o.onParam?.(fullName, value);
    return value;
  };
  const transposedShape = (name: string, shape: readonly number[]): number[] => {
    if (shape.length !== 2)
      throw new Error(
        `reuse_params: parameter "${name}" has ${shape.length} axes; only 2-D ones can be transposed`,
      );
    return [shape[1], shape[0]];
  };
  return {
    path: o.path,
    train: o.train,
    rec: o.rec,
    param: (name, shape, init, split) =>
      o.paramOwners?.[name]?.transpose
        ? transpose(stored(name, transposedShape(name, shape), init, split && [...split].reverse()))
        : stored(name, shape, init, split),
    weight: (name, shape, init, split) =>
      o.paramOwners?.[name]?.transpose
        ? {
            w: stored(name, transposedShape(name, shape), init, split && [...split].reverse()),
            transposed: true,
          }
        : { w: stored(name, shape, init, split), transposed: false },
    dropoutUniform: (purpose) => {
      // Inside a recurrent loop each decoder step draws its own mask (as RETURNN does).
      const loopStep = o.rec?.step !== undefined ? `/step:${o.rec.step}` : "";
      const stream = () => new KeyedStream(o.params.seed, `dropout/${o.path}/${purpose}${loopStep}`, o.step);
      return Object.assign((n: number) => stream().uniform(n), {
        keepMask: (rate: number, out: Float32Array) => stream().dropoutMaskInto(out, rate),
      });
    },
    layer: (name) => {
      if (!o.resolve) throw new Error(`${o.path}: no layer lookup available for "${name}"`);
      return o.resolve(name);
    },
  };
}
