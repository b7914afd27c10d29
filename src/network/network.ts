/**
 * A network built from a config: the validated graph, its parameters, and
 * `forward(batch)` for the engine. Building includes a dry run on a tiny
 * batch — forward and backward — so shape errors surface before training, all
 * parameters exist, and we know which losses can reach the objective.
 */
import "../layers/index.js";
import * as ops from "../tensor/ops/index.js";
import { retainGrad, valueAndGrads } from "../tensor/tape.js";
import { Tensor, tidy } from "../tensor/tensor.js";
import { ReproError, SequenceError } from "../util/errors.js";
import { batchDim, Data, staticDim, timeDim } from "./data.js";
import {
  defaultTargetOf,
  type ExternSpec,
  type NetGraph,
  parseExternData,
  parseNetwork,
  registeredExterns,
} from "./graph.js";
import { seedingFromConfig } from "./param-seeding.js";
import { ParamStore } from "./params.js";
import { type RunEnv, Scope } from "./run.js";
import type { SearchSettings } from "./search.js";

export interface SearchResult {
  /** Per sequence: labels up to and including end-of-sequence (0) when reached. */
  labels: Int32Array[];
  /** Log-probability (divided by length with length normalisation). */
  scores: number[];
}

import type {
  Batch,
  DryShape,
  ForwardOptions,
  LossReport,
  SearchOptions,
  StepResult,
  TrainableNetwork,
} from "./types.js";

export class Network implements TrainableNetwork {
  /** Losses whose value never depends on a trainable parameter (e.g. `0.0 * x`): reported, never optimised. */
  private constantLosses = new Set<string>();

  constructor(
    readonly graph: NetGraph,
    readonly externs: ReadonlyMap<string, ExternSpec>,
    readonly params: ParamStore,
    readonly file: string,
  ) {}

  forward(batch: Batch, opts: ForwardOptions): StepResult {
    try {
      return this.assemble(this.run(batch, opts), opts.train);
    } catch (e) {
      const name = e instanceof SequenceError ? batch.seqNames?.[e.batchEntry] : undefined;
      if (name === undefined) throw e;
      throw new ReproError(`sequence ${name}: ${(e as Error).message}`);
    }
  }

  private run(batch: Batch, opts: ForwardOptions, diagnose = false): RunEnv {
    const env: RunEnv = {
      file: this.file,
      params: this.params,
      train: opts.train,
      step: opts.step,
      losses: [],
      l2: [],
      computed: diagnose ? [] : opts.trace,
    };
    this.scope(env, batch).runRoots();
    return env;
  }

  /**
   * Reports every loss; the objective is Σ scale·value/frames over the losses
   * in it, in name order, plus in training each layer's L2·Σ‖p‖²/2 (RETURNN's
   * `L2`, as tf.nn.l2_loss), in layer-path and parameter-name order.
   */
  private assemble(env: RunEnv, train: boolean): StepResult {
    const losses: LossReport[] = [];
    let objective: Tensor | null = null;
    const addTerm = (term: Tensor) => {
      objective = objective === null ? term : ops.add(objective, term);
    };
    for (const l of [...env.losses].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const inObjective =
        l.value !== null && l.scale !== 0 && l.frames > 0 && !this.constantLosses.has(l.name);
      losses.push({
        name: l.name,
        value: l.value?.item() ?? null,
        error: l.error,
        frames: l.frames,
        scale: l.scale,
        inObjective,
      });
      if (inObjective) addTerm(ops.mul(l.value!, l.scale / l.frames));
    }
    if (train) {
      for (const t of [...env.l2].sort((a, b) => (a.path < b.path ? -1 : 1))) {
        for (const name of [...t.params.keys()].sort())
          addTerm(ops.mul(ops.sum(ops.square(t.params.get(name)!)), t.factor / 2));
      }
    }
    return { objective, losses };
  }

  /** The top-level scope of a batch; layers with `register_as_extern_data` run first, their outputs becoming data. */
  private scope(env: RunEnv, batch: Batch): Scope {
    const externs = this.externData(batch);
    const scope = new Scope(this.graph, env, externs);
    for (const [key, name] of registeredExterns(this.graph)) externs.set(key, scope.get(name));
    return scope;
  }

  /** Batch arrays → Data with dims; one batch dim shared by all keys, one time dim per key. */
  private externData(batch: Batch): Map<string, Data> {
    const out = new Map<string, Data>();
    let b: ReturnType<typeof batchDim> | undefined;
    for (const [key, spec] of this.externs) {
      const entry = batch.data[key];
      if (!entry) continue;
      b ??= batchDim(entry.lengths.length);
      const t = timeDim(entry.lengths, `data:${key}:T`);
      const dims = spec.sparse ? [b, t] : [b, t, staticDim(spec.dim)];
      out.set(key, new Data(entry.value, dims, spec.sparse ? spec.dim : undefined));
    }
    return out;
  }

  /**
   * Beam search on a batch of sources: the best hypothesis per sequence
   * (labels up to and including end-of-sequence 0) and its score. Runs the
   * `search_output_layer` (default `decision`, else `output`) in evaluation mode.
   */
  search(batch: Batch, opts: SearchOptions = {}): SearchResult {
    const layer = opts.outputLayer ?? (this.graph.layers.has("decision") ? "decision" : "output");
    if (!this.graph.layers.has(layer))
      throw new ReproError(`${this.file}: no layer "${layer}" to search with`);
    return tidy(() => {
      const search: SearchSettings = { beamSize: opts.beamSize };
      const env: RunEnv = {
        file: this.file,
        params: this.params,
        train: false,
        step: 0,
        losses: [],
        l2: [],
        search,
      };
      this.scope(env, batch).get(layer);
      if (!search.result)
        throw new ReproError(`${this.file}: layer "${layer}" does not depend on a rec layer to search`);
      return search.result;
    });
  }

  /** A layer's output on `batch` in evaluation mode (e.g. a CTC softmax to decode). Call inside `tidy`. */
  layerOutput(batch: Batch, layer: string): Data {
    if (!this.graph.layers.has(layer)) throw new ReproError(`${this.file}: no layer "${layer}"`);
    const env: RunEnv = { file: this.file, params: this.params, train: false, step: 0, losses: [], l2: [] };
    return this.scope(env, batch).get(layer);
  }

  /**
   * After a non-finite step: reruns it and names the first layer, in

   * topological order, whose output (else whose gradient) is non-finite.
   */
  diagnoseNonFinite(batch: Batch, step: number): string | null {
    return tidy(() => {
      let env: RunEnv | undefined;
      const trainable = this.params
        .list()
        .filter((p) => p.trainable)
        .map((p) => p.value);
      const { retained } = valueAndGrads(() => {
        env = this.run(batch, { train: true, step }, true);
        for (const c of env.computed!) retainGrad(c.value);
        return this.assemble(env, true).objective ?? new Tensor([], Float32Array.of(0));
      }, trainable);
      const computed = env!.computed!;
      const bad = computed.find((c) => !allFinite(c.value));
      if (bad) return `layer "${bad.path}" has a non-finite output`;
      const badGrad = computed.find((c) => {
        const g = retained.get(c.value);
        return g !== undefined && !allFinite(g);
      });
      return badGrad ? `layer "${badGrad.path}" has a non-finite gradient` : null;
    });
  }

  /**
   * Runs forward and backward on a tiny synthetic batch: creates every parameter,
   * reports shape errors before training, and records which losses are constant
   * (their value is not on the gradient tape, e.g. `0.0 * x`).
   */
  /**
   * Builds every layer of the top-level network once on the dry-run batch,
   * also those no loss or output needs (RETURNN builds only the needed ones):
   * a layer with a missing or bad option is an error at build time, not when
   * someone starts to use it. Their parameters go to a scratch store and are
   * dropped, so unused layers add nothing to the model or its fingerprint.
   */
  validateAllLayers(): void {
    const scratch = new ParamStore(this.params.seed);
    const env: RunEnv = { file: this.file, params: scratch, train: true, step: 0, losses: [], l2: [] };
    try {
      tidy(() => {
        const scope = this.scope(env, dryRunBatch(this.externs, ctcTargetKeys(this.graph)));
        for (const name of this.graph.layers.keys()) scope.get(name);
      });
    } finally {
      for (const p of scratch.list()) p.value.dispose();
    }
  }

  dryRun(): void {
    const batch = dryRunBatch(this.externs, ctcTargetKeys(this.graph));
    tidy(() => this.run(batch, { train: true, step: 0 })); // creates the parameters
    this.dryStep();
  }

  /** Frames of the shortest dummy batch the memory estimate measures: the dry run's longest. */
  get dryFrames(): number {
    return [...this.externs.values()].some((spec) => !spec.sparse) ? 24 : 4;
  }

  /**
   * Forward and backward, as a training step does, on the dry-run batch or on
   * a dummy one of `shape`: what the memory estimate (src/train/memory.ts)
   * measures. The batch is made inside, as a training step makes its batch.
   */
  dryStep(shape?: DryShape): void {
    const opts = { train: true, step: 0 };
    tidy(() => {
      const batch = dryRunBatch(this.externs, ctcTargetKeys(this.graph), shape);
      valueAndGrads(
        () => {
          const env = this.run(batch, opts);
          this.constantLosses = new Set(
            env.losses.filter((l) => l.value !== null && l.value.node === null).map((l) => l.name),
          );
          return this.assemble(env, true).objective ?? new Tensor([], Float32Array.of(0));
        },
        this.params.list().map((p) => p.value),
      );
    });
  }
}

function allFinite(t: Tensor): boolean {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
}

/**
 * Two sequences per data key, enough to exercise masks and padding: 24 and 16
 * frames for dense features; labels of the targets of `ctc` losses get 3 and
 * 2 (so conv/pool front ends that shorten time still leave CTC enough frames),
 * other labels the frames' lengths when there are dense inputs (framewise
 * targets, as in hybrid models), else 3 and 2.
 *
 * With a `shape`: `batch` sequences, all of `time` frames in every key (the
 * padded worst case), except CTC targets, which get time/8 labels as above.
 */
function dryRunBatch(
  externs: ReadonlyMap<string, ExternSpec>,
  ctcTargets: ReadonlySet<string>,
  shape?: DryShape,
): Batch {
  const framewise = [...externs.values()].some((spec) => !spec.sparse);
  const data: Record<string, { value: Tensor; lengths: Int32Array }> = {};
  for (const [key, spec] of externs) {
    const ctc = spec.sparse && ctcTargets.has(key);
    const lengths = shape
      ? new Array<number>(shape.batch).fill(ctc ? Math.max(1, Math.floor(shape.time / 8)) : shape.time)
      : spec.sparse && (ctc || !framewise)
        ? [3, 2]
        : [24, 16];
    const [b, t] = [lengths.length, lengths[0]];
    const value = spec.sparse
      ? new Tensor(
          [b, t],
          Int32Array.from({ length: b * t }, (_, i) => 1 + (i % Math.max(1, spec.dim - 1))),
        )
      : new Tensor([b, t, spec.dim], new Float32Array(b * t * spec.dim).fill(0.5));
    data[key] = { value, lengths: Int32Array.from(lengths) };
  }
  return { data };
}

/** The data keys that `ctc` losses anywhere in the network (rec units included) take as targets. */
function ctcTargetKeys(graph: NetGraph, into = new Set<string>()): Set<string> {
  for (const node of graph.layers.values()) {
    if (node.opts.loss === "ctc" && typeof node.opts.target === "string")
      into.add(node.opts.target.replace(/^data:/, ""));
    if (node.unit) ctcTargetKeys(node.unit, into);
  }
  return into;
}

/** Builds and dry-runs the network of a config. Errors name the config file. */
export function buildNetwork(config: Record<string, unknown>, file: string): Network {
  const externs = parseExternData(config.extern_data, file);
  if (config.network === undefined) throw new ReproError(`${file}: "network" is missing`);
  const graph = parseNetwork(config.network, file, externs, defaultTargetOf(config, file));
  const seed = config.random_seed ?? 42;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed))
    throw new ReproError(`${file}: random_seed must be an integer`);
  const net = new Network(graph, externs, new ParamStore(seed, seedingFromConfig(config, graph, file)), file);
  net.dryRun();
  net.validateAllLayers();
  return net;
}
