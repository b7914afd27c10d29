/**
 * Evaluates a layer graph on one batch. Layers are computed on demand and
 * memoised, so only what the losses and outputs need is ever computed
 * (contract point 5). Roots run in two phases: first everything the objective
 * depends on (recorded for gradients), then report-only roots under `noGrad`,
 * so a scale-0 loss's private subgraph is never even put on the tape.
 */

import type { LayerContext, LayerState, LoopMemo } from "../layers/layer.js";
import { isLstmLayer, lstmPairOutputs } from "../layers/lstm-unit.js";
import { recLstmHalf } from "../layers/rec.js";

import { checkLossOptions, lossClass } from "../losses/index.js";
import { noGrad } from "../tensor/tape.js";
import { sizeOf, Tensor, tidy, zeros as zeroTensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { createContext } from "./context.js";
import { Data } from "./data.js";
import { inputDropout } from "./dropout.js";
import { attentionChains, attentionFusion, type ChainScope, fusedChain } from "./fuse-attention.js";
import { type LayerNode, type NetGraph, type Ref, rootLayers } from "./graph.js";
import { ancestors, canonicalOrder, feedsObjective, lossScale } from "./order.js";
import type { ParamStore } from "./params.js";
import { runRecTraining, runsOverSource } from "./rec.js";
import { runRecSearch, type SearchSettings } from "./search.js";

export interface RunEnv {
  readonly file: string;
  readonly params: ParamStore;
  readonly train: boolean;
  readonly step: number;
  /** Computed losses, in the order computed; the caller sorts by name. */
  readonly losses: ComputedLoss[];
  /** Per-layer L2 terms: (layer path, L2 factor, parameters the layer used). */
  readonly l2: L2Term[];
  /** Set for beam search: rec layers then run step by step. */
  readonly search?: SearchSettings;
  /** When set, every computed layer output is appended in computation order (diagnostics). */
  readonly computed?: { path: string; value: Tensor }[];
}

export interface L2Term {
  readonly path: string;
  readonly factor: number;
  readonly params: Map<string, Tensor>;
}

export interface ComputedLoss {
  readonly name: string;
  readonly value: Tensor | null;
  readonly error?: number;
  readonly frames: number;
  readonly scale: number;
}

/** What a unit sees of its enclosing network (`base:` references). */
export interface ParentScope {
  get(name: string): Data;
  /** Full path of a layer named as in `reuse_params` (`x` or `base:x`). */
  pathOf(name: string): string;
}

/** Neighbouring BLSTM directions run at once (Scope.lstmPair); REPRONET_PAIR_LSTM=0 for A/B measurements. */
let lstmPairing = process.env.REPRONET_PAIR_LSTM !== "0";

export const lstmPairingOn = (): boolean => lstmPairing;

/** Turns LSTM pairing on or off (tests compare both); returns the previous setting. */
export function setLstmPairing(on: boolean): boolean {
  const was = lstmPairing;
  lstmPairing = on;
  return was;
}

export class Scope implements ParentScope {
  private readonly cache = new Map<string, Data>();
  /** Outputs made only when first read (the recurrent loop's stacked per-step outputs). */
  private readonly onDemand = new Map<string, () => Data>();
  private readonly inProgress = new Set<string>();
  /** Inner layers of fused cross-attention chains (see `fused`): never computed by the roots. */
  private readonly fusedAway = new Set<string>();

  constructor(
    readonly graph: NetGraph,
    readonly env: RunEnv,
    /** extern data of this batch (inside a unit, `classes` is the per-step target). */
    readonly externs: ReadonlyMap<string, Data>,
    readonly parent?: ParentScope,
    /** How `prev:x` resolves inside a unit. */
    readonly prev?: (name: string, scope: Scope) => Data,
    /** Step-by-step search: the step and each layer's carried state. */
    readonly step?: {
      readonly index: number;
      stateOf(path: string): LayerState;
      /** Values layers make once and reuse at every step (RecInfo.perLoop). */
      readonly perLoop?: LoopMemo;
    },
  ) {}

  /** A scope for a rec unit nested in this one. */
  child(
    graph: NetGraph,
    externs: ReadonlyMap<string, Data>,
    prev: (name: string, scope: Scope) => Data,
    parent: ParentScope = this,
    step?: Scope["step"],
  ): Scope {
    return new Scope(graph, this.env, externs, parent, prev, step);
  }

  /**
   * Computes the roots (losses, outputs) in the two phases described above;
   * `alsoObjective` names roots computed with gradients even without a loss
   * (a unit's `output`, which its rec layer returns).
   * Within each phase, layers run in one canonical order (see canonicalOrder),
   * so the tape — and with it the order in which gradients are summed — never
   * depends on which report-only layers exist.
   */
  runRoots(alsoObjective: readonly string[] = []): void {
    const roots = rootLayers(this.graph);
    const objectiveRoots = roots.filter((n) => feedsObjective(n) || alsoObjective.includes(n.name));
    const reportRoots = roots.filter((n) => !feedsObjective(n));
    const objectiveLayers = ancestors(this.graph, objectiveRoots);
    this.computeInOrder(canonicalOrder(this.graph, objectiveLayers));
    for (const node of objectiveRoots) this.computeLoss(node);
    noGrad(() => {
      const rest = ancestors(this.graph, reportRoots);
      this.computeInOrder(canonicalOrder(this.graph, rest));
      for (const node of reportRoots) this.computeLoss(node);
    });
  }

  /** Computes `order`'s layers in turn, two neighbouring LSTM layers at once where they can be (lstmPair). */
  private computeInOrder(order: readonly string[]): void {
    for (let i = 0; i < order.length; i++) {
      if (this.skipped(order[i])) continue;
      // Not `skipped(next)`: that would fuse an attention chain out of order (lstmPair checks what it needs).
      if (i + 1 < order.length && this.lstmPair(order[i], order[i + 1])) i++;
      else this.get(order[i]);
    }
  }

  /**
   * Two `rec` LSTM layers over whole sequences, neighbours in the canonical
   * order and not reading each other (a BLSTM's two directions), run as one
   * op whose kernels work at once, one thread each: the bits and the order of
   * the tape are those of computing them one after the other. False (nothing
   * done) where they do not qualify. REPRONET_PAIR_LSTM=0 turns it off.
   */
  private lstmPair(a: string, b: string): boolean {
    if (!lstmPairing || this.step || this.env.computed || this.has(a) || this.has(b)) return false;
    const nodes = [a, b].map((name) => this.graph.layers.get(name)!);
    const whole = (n: LayerNode) =>
      n.className === "rec" && typeof n.opts.unit !== "object" && !n.opts.reuse_params;
    if (!nodes.every(whole)) return false;
    const reads = (n: LayerNode, other: string) =>
      [...n.sources, ...n.extraRefs.values()].some((r) => r.kind === "layer" && r.name === other);
    if (reads(nodes[0], b) || reads(nodes[1], a)) return false;
    const halves = nodes.map((node) =>
      this.withLayerErrors(node, () => {
        const { ctx, inputs } = this.contextAndInputs(node);
        return recLstmHalf(ctx, inputs, node.opts as never);
      }),
    );
    const outputs = lstmPairOutputs(halves[0], halves[1]);
    for (const [i, node] of nodes.entries()) this.cache.set(node.name, outputs[i]);
    return true;
  }

  /** Not computed by the roots: fused away, or left to whoever reads it (provideOnDemand). */
  private skipped(name: string): boolean {
    return this.onDemand.has(name) || this.fused(name);
  }

  private computeLoss(node: LayerNode): void {
    if (node.opts.loss === undefined) return;
    const output = this.get(node.name);
    const where = `${this.env.file}: layer "${node.path}"`;
    const def = lossClass(node.opts.loss!, where);
    const opts = node.opts.loss_opts ?? {};
    checkLossOptions(opts, def, where);
    const target = node.opts.target !== undefined ? this.externs.get(node.opts.target) : undefined;
    if (def.needsTarget && !target)
      throw new ReproError(`${where}: loss "${node.opts.loss}" needs a "target"`);
    const r = def.compute(output, target, opts, where);
    this.env.losses.push({
      name: node.path,
      value: r.value,
      error: r.error,
      frames: r.frames,
      scale: lossScale(node),
    });
  }

  /**
   * True when `name` is an inner layer of a cross-attention chain that the
   * fused op computes instead (network/fuse-attention.ts). A chain's `dot`
   * comes first in the canonical order: there the chain is fused — its
   * `generic_attention` output cached — or, when its data does not fit, left
   * to the layers. Off in step-by-step scopes and when layers are traced.
   */
  private fused(name: string): boolean {
    if (this.fusedAway.has(name)) return true;
    if (!attentionFusion() || this.step || this.env.computed) return false;
    const chain = attentionChains(this.graph).get(name);
    if (!chain || [...chain.inner, chain.attention].some((n) => this.has(n.name))) return false;
    const out = this.withLayerErrors(chain.attention, () => fusedChain(chain, this.chainScope()));
    if (!out) return false;
    this.cache.set(chain.attention.name, out);
    for (const n of chain.inner) this.fusedAway.add(n.name);
    return true;
  }

  private chainScope(): ChainScope {
    return {
      train: this.env.train,
      resolve: (ref) => this.resolve(ref),
      has: (name) => this.has(name),
      dropoutUniform: (node, purpose) => this.contextFor(node).dropoutUniform(purpose),
    };
  }

  /** Sets layer `name`'s output from outside (the recurrent loop's stacked or sliced outputs). */
  provide(name: string, data: Data): void {
    this.cache.set(name, data);
  }

  /**
   * As `provide`, but `make` runs only if some layer reads `name`: the
   * recurrent loop stacks a loop layer's per-step outputs only when a layer
   * outside the loop (or a loss) needs them — attention energies [B, T_enc, F]
   * per step are never copied into a [B, T, T_enc, F] nobody reads.
   */
  provideOnDemand(name: string, make: () => Data): void {
    this.onDemand.set(name, make);
  }

  private has(name: string): boolean {
    return this.cache.has(name) || this.onDemand.has(name);
  }

  /** The output of layer `name` of this scope's graph. */
  get(name: string): Data {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const make = this.onDemand.get(name);
    if (make) {
      const out = make();
      this.onDemand.delete(name);
      this.cache.set(name, out);
      return out;
    }
    const node = this.graph.layers.get(name);
    if (!node) throw new Error(`internal: no layer "${name}" in ${this.graph.prefix || "network"}`);
    if (this.inProgress.has(name)) {
      throw new ReproError(
        `${this.env.file}: layer "${node.path}" depends on itself through "prev:"; recurrent units need step-by-step training, which is not supported yet`,
      );
    }
    this.inProgress.add(name);
    try {
      const out = this.compute(node);
      this.cache.set(name, out);
      this.env.computed?.push({ path: node.path, value: out.value });
      return out;
    } finally {
      this.inProgress.delete(name);
    }
  }

  resolve(ref: Ref): Data {
    switch (ref.kind) {
      case "layer":
        return this.get(ref.name);
      case "base":
        return this.parent!.get(ref.name);
      case "prev":
        return this.prev!(ref.name, this);
      case "extern": {
        const d = this.externs.get(ref.key);
        if (!d) throw new ReproError(`${this.env.file}: the batch has no data "${ref.key}"`);
        return d;
      }
    }
  }

  /** Resolves a reference written as a string (`x`, `base:x`, `data:classes`) — for LayerContext.layer. */
  resolveName(name: string, node: LayerNode): Data {
    const ref = node.extraRefs.get(name);
    if (ref) return this.resolve(ref);
    throw new Error(`internal: layer "${node.path}" looked up "${name}", which it did not declare in refs()`);
  }

  /**
   * RETURNN's `initial_output: "apply(0)"`: layer `name` run on all-zero
   * inputs shaped as its sources' outputs here (label 0 for sparse ones), with
   * gradients for its parameters, without input dropout.
   */
  appliedToZeros(name: string): Data {
    const node = this.graph.layers.get(name)!;
    return this.withLayerErrors(node, () => {
      if (node.unit || isLstmLayer(node.className, node.opts.unit))
        throw new ReproError(`initial_output "apply(0)" is not supported for ${node.className} layers`);
      const shapes = tidy(() =>
        noGrad(() =>
          node.sources.map((r) => {
            const d = this.resolve(r);
            return {
              shape: d.value.shape,
              dims: d.dims,
              sparseDim: d.sparseDim,
              int: d.value.dtype === "int32",
            };
          }),
        ),
      );
      const zeros = shapes.map(
        (z) =>
          new Data(
            z.int ? new Tensor(z.shape, new Int32Array(sizeOf(z.shape))) : zeroTensor(z.shape),
            z.dims,
            z.sparseDim,
          ),
      );
      return node.def.forward(this.contextFor(node, false), zeros, node.opts as never);
    });
  }

  private compute(node: LayerNode): Data {
    return this.withLayerErrors(node, () => {
      if (node.unit)
        return this.env.search && !runsOverSource(node)
          ? runRecSearch(node, this)
          : runRecTraining(node, this);
      const { ctx, inputs } = this.contextAndInputs(node);
      return node.def.forward(ctx, inputs, node.opts as never);
    });
  }

  /** A layer's context and its sources' outputs, after the layer's input dropout. */
  private contextAndInputs(node: LayerNode): { ctx: LayerContext; inputs: Data[] } {
    const ctx = this.contextFor(node);
    const inputs = inputDropout(
      ctx,
      node.sources.map((r) => this.resolve(r)),
      node.opts.dropout,
      node.opts.dropout_noise_shape,
    );
    return { ctx, inputs };
  }

  /** Runs `f` for layer `node`: a user-facing error names the config file and the layer once. */
  private withLayerErrors<T>(node: LayerNode, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof Error) || e.message.startsWith("internal:")) throw e;
      if (e instanceof ReproError && e.message.startsWith(`${this.env.file}:`)) throw e;
      // Name the config file and the layer once, whatever part of the layer raised it.
      const message = e.message.startsWith(`${node.path}: `)
        ? e.message.slice(node.path.length + 2)
        : e.message;
      // A layer without "from" reads "data" (RETURNN's default): say so, it is rarely what was meant.
      const defaulted =
        node.opts.from === undefined && node.sources.length > 0
          ? ' (no "from" given: it defaults to "data", as in RETURNN)'
          : "";
      throw new ReproError(`${this.env.file}: layer "${node.path}": ${message}${defaulted}`);
    }
  }

  /** `withL2` false: the layer's L2 term is not collected again (a second run of the same layer). */
  private contextFor(node: LayerNode, withL2 = true): LayerContext {
    const reuse = node.opts.reuse_params;
    let onParam: ((name: string, value: Tensor) => void) | undefined;
    if (node.opts.L2 && withL2) {
      const term: L2Term = { path: node.path, factor: node.opts.L2, params: new Map() };
      this.env.l2.push(term);
      onParam = (name, value) => term.params.set(name, value);
    }
    const owner = (name: string) => this.pathOf(name);
    return createContext({
      path: node.path,
      train: this.env.train,
      params: this.env.params,
      step: this.env.step,
      resolve: (name) => this.resolveName(name, node),
      paramOwner: typeof reuse === "string" ? owner(reuse) : undefined,
      paramOwners:
        reuse && typeof reuse === "object"
          ? Object.fromEntries(
              Object.entries(reuse.map).map(([p, r]) => [
                p,
                { owner: owner(r.reuse_layer), transpose: r.transpose },
              ]),
            )
          : undefined,
      trainable: node.opts.trainable ?? true,
      rec: this.step
        ? { step: this.step.index, state: this.step.stateOf(node.path), perLoop: this.step.perLoop }
        : this.graph.isUnit
          ? {}
          : undefined,
      onParam,
    });
  }

  /** Full path of a layer named as in `reuse_params` (`x` or `base:x`). */
  pathOf(name: string): string {
    if (name.startsWith("base:")) return this.parent!.pathOf(name.slice(5));
    return `${this.graph.prefix}${name}`;
  }
}
