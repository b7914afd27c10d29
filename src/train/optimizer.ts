/**
 * Optimizers from the config's `optimizer` dict, with per-parameter state keyed
 * by the parameter's full name (so state survives network changes by name and
 * goes into checkpoints as named tensors):
 *
 *   {"class": "adam", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0}
 *   {"class": "adamw", ...}   same, the RETURNN name for decoupled weight decay
 *   {"class": "sgd", "momentum": 0}
 *
 * Default: adam. A parameter whose gradient is null (no loss in the objective
 * depends on it) is not touched, and its step count does not advance: Adam's
 * bias correction uses the number of updates *this* parameter has had.
 */
import { isPlainObject } from "../config/plain.js";
import { type AdamItem, type AdamOptions, adamDefaults, adamUpdateMany } from "../optim/adam.js";
import { sgdUpdate } from "../optim/sgd.js";
import type { Tensor } from "../tensor/tensor.js";
import { didYouMean, ReproError } from "../util/errors.js";

/** One named parameter and its gradient (null: not updated). */
export interface ParamGrad {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor | null;
}

/** Serializable optimizer state: named float32 slots plus per-parameter step counts. */
export interface OptimizerState {
  readonly class: string;
  /** `<slot>/<param name>` → data (e.g. `m/output/W`). */
  readonly slots: Record<string, Float32Array>;
  /** Updates applied per parameter. */
  readonly steps: Record<string, number>;
}

export interface Optimizer {
  /** The resolved options, for the manifest and the log. */
  readonly description: Readonly<Record<string, unknown>>;
  /** Updates every parameter with a gradient, in place, in the given order. */
  update(params: readonly ParamGrad[], lr: number): void;
  state(): OptimizerState;
  /** Restores `state()`; slots must match the parameters' sizes when they are next updated. */
  load(state: OptimizerState): void;
  /** Keeps the state of the named parameters only (a network change); returns how many had state. */
  retain(names: ReadonlySet<string>): number;
  /** Forgets all state (pretrain_reset_optimizer). */
  reset(): void;
}

const name = (v: unknown): string => (typeof v === "string" ? v.toLowerCase() : "");

/** Builds the optimizer the config value describes (`undefined` → adam with defaults). */
export function optimizerFromConfig(value: unknown, where: string): Optimizer {
  const spec = value ?? { class: "adam" };
  if (!isPlainObject(spec)) throw new ReproError(`${where}: optimizer must be a dict like {"class": "adam"}`);
  const cls = name(spec.class);
  const at = `${where}: optimizer`;
  const number = (key: string, fallback: number, ok: (v: number) => boolean, what: string): number => {
    const v = spec[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v))
      throw new ReproError(`${at} option "${key}" must be ${what}, got ${JSON.stringify(spec[key])}`);
    return v;
  };
  const check = (known: string[]) => {
    for (const k of Object.keys(spec))
      if (!known.includes(k)) throw new ReproError(`${at}: unknown option "${k}"${didYouMean(k, known)}`);
  };
  if (cls === "adam" || cls === "adamw") {
    check(["beta1", "beta2", "class", "epsilon", "weight_decay"]);
    const unit = (v: number) => v >= 0 && v < 1;
    return new Adam({
      beta1: number("beta1", adamDefaults.beta1, unit, "in [0, 1)"),
      beta2: number("beta2", adamDefaults.beta2, unit, "in [0, 1)"),
      epsilon: number("epsilon", adamDefaults.epsilon, (v) => v > 0, "a positive number"),
      weightDecay: number("weight_decay", 0, (v) => v >= 0, "a non-negative number"),
    });
  }
  if (cls === "sgd") {
    check(["class", "momentum"]);
    return new Sgd(number("momentum", 0, (v) => v >= 0 && v < 1, "in [0, 1)"));
  }
  const known = ["adam", "adamw", "sgd"];
  throw new ReproError(
    `${at}: unknown class ${JSON.stringify(spec.class)}${didYouMean(String(spec.class), known)} (known: ${known.join(", ")})`,
  );
}

/** Slot arrays per parameter name, created zeroed on a parameter's first update. */
abstract class Slotted implements Optimizer {
  protected readonly slots = new Map<string, Float32Array>();
  protected readonly steps = new Map<string, number>();
  abstract readonly description: Readonly<Record<string, unknown>>;
  protected abstract readonly slotNames: readonly string[];
  protected abstract apply(p: ParamGrad, lr: number, step: number): void;

  update(params: readonly ParamGrad[], lr: number): void {
    for (const p of params) {
      if (p.grad === null) continue;
      const step = (this.steps.get(p.name) ?? 0) + 1;
      this.apply(p, lr, step);
      this.steps.set(p.name, step);
    }
  }

  protected slot(slot: string, p: ParamGrad): Float32Array {
    const key = `${slot}/${p.name}`;
    let s = this.slots.get(key);
    if (s === undefined) {
      s = new Float32Array(p.value.size);
      this.slots.set(key, s);
    } else if (s.length !== p.value.size) {
      throw new ReproError(`optimizer state ${key} has ${s.length} values, parameter has ${p.value.size}`);
    }
    return s;
  }

  state(): OptimizerState {
    const sorted = <T>(m: Map<string, T>) =>
      Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { class: String(this.description.class), slots: sorted(this.slots), steps: sorted(this.steps) };
  }

  retain(names: ReadonlySet<string>): number {
    const owner = (key: string) => key.slice(key.indexOf("/") + 1);
    for (const key of [...this.slots.keys()]) if (!names.has(owner(key))) this.slots.delete(key);
    for (const name of [...this.steps.keys()]) if (!names.has(name)) this.steps.delete(name);
    return this.steps.size;
  }

  reset(): void {
    this.slots.clear();
    this.steps.clear();
  }

  load(state: OptimizerState): void {
    if (state.class !== this.description.class)
      throw new ReproError(
        `checkpoint holds ${state.class} optimizer state, the config asks for ${this.description.class}`,
      );
    this.slots.clear();
    this.steps.clear();
    for (const [k, v] of Object.entries(state.slots)) {
      if (!this.slotNames.some((s) => k.startsWith(`${s}/`)))
        throw new ReproError(`unexpected optimizer slot "${k}" in checkpoint`);
      this.slots.set(k, v.slice());
    }
    for (const [k, v] of Object.entries(state.steps)) this.steps.set(k, v);
  }
}

class Adam extends Slotted {
  readonly description: Readonly<Record<string, unknown>>;
  protected readonly slotNames = ["m", "v"];

  constructor(private readonly opts: AdamOptions) {
    super();
    this.description = {
      class: "adam",
      beta1: opts.beta1,
      beta2: opts.beta2,
      epsilon: opts.epsilon,
      weight_decay: opts.weightDecay,
    };
  }

  protected apply(p: ParamGrad, lr: number, step: number): void {
    adamUpdateMany([this.item(p)], lr, step, this.opts);
  }

  /** One kernel call for all parameters at the same update count (usually all of them). */
  override update(params: readonly ParamGrad[], lr: number): void {
    const byStep = new Map<number, { items: AdamItem[]; names: string[] }>();
    for (const p of params) {
      if (p.grad === null) continue;
      const step = (this.steps.get(p.name) ?? 0) + 1;
      const group = byStep.get(step) ?? { items: [], names: [] };
      group.items.push(this.item(p));
      group.names.push(p.name);
      byStep.set(step, group);
    }
    for (const [step, { items, names }] of byStep) {
      adamUpdateMany(items, lr, step, this.opts);
      for (const name of names) this.steps.set(name, step);
    }
  }

  private item(p: ParamGrad): AdamItem {
    return { param: p.value, grad: p.grad!, slots: { m: this.slot("m", p), v: this.slot("v", p) } };
  }
}

class Sgd extends Slotted {
  readonly description: Readonly<Record<string, unknown>>;
  protected readonly slotNames = ["momentum"];

  constructor(private readonly momentum: number) {
    super();
    this.description = { class: "sgd", momentum };
  }

  protected apply(p: ParamGrad, lr: number): void {
    sgdUpdate(p.value, p.grad!, lr, this.momentum, this.momentum > 0 ? this.slot("momentum", p) : undefined);
  }
}
