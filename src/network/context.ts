/** The LayerContext the runner hands to each layer (also used directly by layer tests). */
import type { LayerContext, RecInfo } from "../layers/layer.js";
import { KeyedStream } from "../rng/keyed.js";
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
  paramOwners?: Readonly<Record<string, string>>;
  trainable?: boolean;
  rec?: RecInfo;
  /** Called with each parameter the layer uses (for per-layer L2). */
  onParam?: (fullName: string, value: Tensor) => void;
}

export function createContext(o: ContextOptions): LayerContext {
  return {
    path: o.path,
    train: o.train,
    rec: o.rec,
    param: (name, shape, init) => {
      const fullName = `${o.paramOwners?.[name] ?? o.paramOwner ?? o.path}/${name}`;
      const value = o.params.get(fullName, shape, init, o.trainable ?? true);
      o.onParam?.(fullName, value);
      return value;
    },
    dropoutUniform: (purpose) => {
      const stream = () => new KeyedStream(o.params.seed, `dropout/${o.path}/${purpose}`, o.step);
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
