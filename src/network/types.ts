/** The contract between networks and the engine that trains them. */
import type { Tensor } from "../tensor/tensor.js";
import type { ParamStore } from "./params.js";

/** One padded batch: each extern data key (`data`, `classes`, ...) with per-sequence lengths. */
export interface Batch {
  /** int32 [B, T] for sparse keys, float32 [B, T, F] for dense ones. */
  readonly data: Readonly<Record<string, { readonly value: Tensor; readonly lengths: Int32Array }>>;
  /** Dataset indices of the sequences, in batch order (for logs and resume). */
  readonly seqIndices?: readonly number[];
  /** The sequences' names (tags), when the dataset has them: errors about one sequence name it. */
  readonly seqNames?: readonly string[];
}

/** One loss as reported per step: `cost:<name>` and `error:<name>` in RETURNN's logs. */
export interface LossReport {
  /** Layer path, e.g. "output/output_prob". */
  readonly name: string;
  /** Loss value summed over valid frames; null for error-only losses (edit_distance). */
  readonly value: number | null;
  /** Frame-error count summed over valid frames (if the loss has an error measure). */
  readonly error?: number;
  /** The normalisation denominator: Σ target lengths, else Σ output lengths, else batch size. */
  readonly frames: number;
  readonly scale: number;
  /** False for scale-0 losses and losses that do not depend on any trainable parameter. */
  readonly inObjective: boolean;
}

export interface StepResult {
  /** Σ scale · value / frames over the losses in the objective; null when there are none. */
  readonly objective: Tensor | null;
  readonly losses: readonly LossReport[];
}

export interface ForwardOptions {
  readonly train: boolean;
  /** Global step: keys dropout masks. */
  readonly step: number;
  /** When set, every computed layer output is appended in computation order (`debug_grad`). */
  readonly trace?: { path: string; value: Tensor }[];
}

/** A network that can beam-search (`repronet search`, dev BLEU). */
export interface Searchable {
  /** Best hypothesis per sequence (labels up to and including end-of-sequence 0) and its score. */
  search(batch: Batch, opts?: SearchOptions): { labels: Int32Array[]; scores: number[] };
}

export interface SearchOptions {
  /** Default: the choice layer's `beam_size`. */
  readonly beamSize?: number;
  /** The layer to search with (RETURNN's `search_output_layer`); default `decision`, else `output`. */
  readonly outputLayer?: string;
}

/** What the engine needs of a network. */
export interface TrainableNetwork {
  readonly params: ParamStore;
  /** Runs the layers the losses and outputs need. Call inside `tidy` (and `valueAndGrads` to train). */
  forward(batch: Batch, opts: ForwardOptions): StepResult;
  /**
   * After a step with a non-finite objective or gradient: the first layer (in
   * topological order) whose output, else whose gradient, is non-finite.
   */
  diagnoseNonFinite?(batch: Batch, step: number): string | null;
  /** Beam search, for networks with a rec layer to search (dev BLEU during training). */
  search?: Searchable["search"];
  /**
   * One training step's forward and backward on a dummy batch of `shape`
   * (what the activation-memory estimate measures); networks without it are
   * estimated by their parameters only.
   */
  dryStep?(shape: DryShape): void;
  /** The shortest dummy sequence `dryStep` is measured with (the others are 2× and 3× as long). */
  readonly dryFrames?: number;
}

/** A dummy batch: `batch` sequences of `time` frames each. */
export interface DryShape {
  readonly batch: number;
  readonly time: number;
}
