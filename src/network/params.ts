/**
 * Parameters by full name (`output/dec_01_att_query0/W`). A parameter is made
 * on first request, from the keyed RNG stream named after it: its initial value
 * depends on (random_seed, name, shape, initializer) only — contract point 2
 * (unless `param_init_seeding: "returnn"` asks for RETURNN's order dependence).
 */

import type { InitFn } from "../rng/initializers.js";
import { KeyedStream } from "../rng/keyed.js";
import { keep, Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { gb, memoryLimit as processMemoryLimit } from "../util/memory.js";
import { KEYED_SEEDING, type ParamSeeding } from "./param-seeding.js";

/** Float32 copies a trainable parameter needs in training: itself, its gradient, Adam's two moments. */
export const COPIES_IN_TRAINING = 4;

export interface Param {
  readonly name: string;
  readonly value: Tensor;
  trainable: boolean;
}

export class ParamStore {
  private readonly params = new Map<string, Param>();
  private bytes = 0;

  /** `memoryLimit`: bytes the parameters may need in training (default: the process's, src/util/memory.ts). */
  constructor(
    readonly seed: number,
    /** Which stream each initial value comes from (`param_init_seeding`). */
    readonly seeding: ParamSeeding = KEYED_SEEDING,
    private readonly memoryLimit = processMemoryLimit().bytes,
  ) {}

  /** The parameter `name`, created with `init` if it does not exist yet. */
  get(name: string, shape: readonly number[], init: InitFn, trainable = true): Tensor {
    const existing = this.params.get(name);
    if (existing) {
      const s = existing.value.shape;
      if (s.length !== shape.length || s.some((d, i) => d !== shape[i])) {
        throw new ReproError(
          `parameter ${name}: shape [${shape}] requested, but it exists with shape [${s}]`,
        );
      }
      if (!trainable) existing.trainable = false;
      return existing.value;
    }
    this.reserve(name, shape);
    const value = keep(
      new Tensor([...shape], init(new KeyedStream(this.seed, this.seeding.streamName(name)), shape)),
    );
    this.params.set(name, { name, value, trainable });
    return value;
  }

  /**
   * Refuses a parameter before it is allocated when all parameters, with a
   * gradient and Adam's moments each, would need more than the memory limit
   * (an `n_out` of 1e8 is an error naming the layer, not the OOM killer).
   */
  private reserve(name: string, shape: readonly number[]): void {
    const n = shape.reduce((a, b) => a * b, 1);
    const total = this.bytes + n * 4;
    if (!Number.isSafeInteger(n) || total * COPIES_IN_TRAINING > this.memoryLimit) {
      // The layer that asks adds `CONFIG: layer "x":` in front.
      throw new ReproError(
        `parameter ${name} [${shape}] would bring the parameters to ${gb(total)}, ${gb(total * COPIES_IN_TRAINING)} with gradients and Adam moments: more than the ${gb(this.memoryLimit)} of memory`,
      );
    }
    this.bytes = total;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** All parameters sorted by name: the one order used for updates, norms and checkpoints. */
  list(): Param[] {
    return [...this.params.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private readonly splits = new Map<string, readonly (readonly number[])[]>();

  /** Records how the axes of parameter `name` are made of blocks (for pretrain copy_param_mode "subset"). */
  setSplit(name: string, split: readonly (readonly number[])[]): void {
    this.splits.set(name, split);
  }

  /** The blocks of each axis of `name`, if its layer declared them. */
  splitOf(name: string): readonly (readonly number[])[] | undefined {
    return this.splits.get(name);
  }

  /** Replaces a parameter's value (loading a checkpoint); shapes must agree. */
  load(name: string, data: Float32Array, shape: readonly number[]): void {
    const p = this.params.get(name);
    if (!p) {
      this.params.set(name, { name, value: keep(new Tensor([...shape], data.slice())), trainable: true });
      return;
    }
    if (p.value.size !== data.length)
      throw new ReproError(`parameter ${name}: checkpoint shape [${shape}] ≠ [${p.value.shape}]`);
    p.value.f32.set(data);
  }
}
