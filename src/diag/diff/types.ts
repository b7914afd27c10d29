/**
 * The report `repronet diff` builds: one plain object (what `--json` prints),
 * rendered as text by render.ts. Sections are null when the inputs do not
 * have what they compare (two configs have no training, two checkpoints no
 * config).
 */
import type { DivergenceSection } from "./steps.js";

/** Whether a difference can change what training produces. */
export type Effect = "none" | "affects";

export interface Side {
  path: string;
  kind: "run" | "config" | "checkpoint";
}

/** One difference in the Environment section (a manifest field). */
export interface EnvChange {
  /** Dotted manifest path: `framework.commit`, `dependencies.zod`, `seeds.random_seed`. */
  field: string;
  label: string;
  a: unknown;
  b: unknown;
  effect: Effect;
  note?: string;
}

export interface EnvironmentSection {
  changes: EnvChange[];
  /** Labels of the fields compared and found equal, with A's value: `node v20.20.2`. */
  same: string[];
  /** A run trained in several invocations under different configs or code (counts as a cause). */
  history: string[];
  /** What could not be compared (a missing manifest). */
  notes: string[];
}

/** A changed top-level (or nested, non-network) config key. */
export interface KeyChange {
  /** Dotted path: `learning_rate`, `train.num_seqs`, `optimizer.epsilon`. */
  path: string;
  change: "added" | "removed" | "changed";
  a?: unknown;
  b?: unknown;
  effect: Effect;
  reason: string;
}

export interface OptionChange {
  option: string;
  change: "added" | "removed" | "changed";
  a?: unknown;
  b?: unknown;
}

/** What a layer does in training (see roles.ts). */
export type Role = "objective" | "constant" | "report" | "unused";

export interface LayerChange {
  /** Full layer path: `output/dec_01_weight_loss`. */
  layer: string;
  change: "added" | "removed" | "changed";
  className: string;
  /** For changed layers: the options that differ. */
  options?: OptionChange[];
  roleA?: Role;
  roleB?: Role;
  effect: Effect;
  /** `loss as_is with scale 0 → reported only, never differentiated (no effect on training)`. */
  reason: string;
}

export interface ConfigSection {
  identical: boolean;
  hashA: string;
  hashB: string;
  keys: KeyChange[];
  layers: LayerChange[];
  /**
   * The score the learning-rate control would read under each config, when
   * they differ (an error message when a config's measure is not recorded).
   */
  errorMeasure: { a: string | null; b: string | null; effect: Effect; reason: string } | null;
  /** Set when a network could not be parsed: its layer changes are classified as "affects". */
  networkError?: string;
  /** Number of differences that can affect training. */
  affecting: number;
}

export interface ValuePair {
  a: unknown;
  b: unknown;
}

export interface EpochDiff {
  epoch: string;
  learningRate: ValuePair & { equal: boolean };
  /** Scores present in both runs: equal, or the first differing key. */
  scoresEqual: boolean;
  firstScore?: { key: string } & ValuePair;
  metaEqual: boolean;
}

export interface LearningRatesDiff {
  epochs: EpochDiff[];
  /** First epoch whose learning rate, scores or step count differ. */
  firstDiffering: string | null;
  epochsOnlyA: string[];
  epochsOnlyB: string[];
  scoreKeysOnlyA: string[];
  scoreKeysOnlyB: string[];
}

export interface StepDifference {
  epoch: number | null;
  step: number | null;
  globalStep: number;
  /** `loss`, `cost:<loss>`, `error:<loss>`, `learning_rate`, `grad_norm`. */
  field: string;
  a: unknown;
  b: unknown;
}

export interface StepsDiff {
  compared: number;
  /** First common step whose objective (`loss`), costs or errors differ. */
  first: StepDifference | null;
  /** First common step whose learning rate or gradient norm differs. */
  firstOther: StepDifference | null;
  stepsOnlyA: number;
  stepsOnlyB: number;
  costKeysOnlyA: string[];
  costKeysOnlyB: string[];
}

export interface CheckpointDiff {
  /** Checkpoint name: `epoch.002`, `epoch.pretrain.001`, `epoch.003.step.17`. */
  name: string;
  epoch: number;
  digestA: string;
  digestB: string;
  equal: boolean;
  /** When the parameter sets differ: whether the parameters both have are bit-identical. */
  sharedEqual?: boolean;
}

export interface TrainingSection {
  learningRates: LearningRatesDiff | null;
  steps: StepsDiff | null;
  checkpoints: CheckpointDiff[];
  checkpointsOnlyA: string[];
  checkpointsOnlyB: string[];
  /** First common checkpoint (in training order) whose parameters differ. */
  firstDifferingCheckpoint: string | null;
  firstDifferingEpoch: number | null;
  notes: string[];
  /** The first differing step (fingerprints) and layer (gradient traces): see steps.ts. */
  divergence?: DivergenceSection;
}

export interface ParamDiff {
  name: string;
  shapeA: number[];
  shapeB: number[];
  identical: boolean;
  /** max |a − b| (null when the shapes differ). */
  maxAbs: number | null;
  /** ‖a − b‖₂ / ‖a‖₂ (‖b‖₂ when ‖a‖₂ = 0; 0 when both are 0; null when the shapes differ). */
  relL2: number | null;
}

export interface ParametersSection {
  fileA: string;
  fileB: string;
  /** The checkpoint compared when both sides are runs (`epoch.002`). */
  checkpoint: string | null;
  digestA: string;
  digestB: string;
  onlyA: string[];
  onlyB: string[];
  /** How many shared parameters are bit-identical, and their names. */
  identical: number;
  identicalNames: string[];
  /** The shared parameters that differ, sorted by name. */
  differing: ParamDiff[];
}

export interface Verdict {
  status: "identical" | "different" | "not comparable";
  line: string;
  causes: string[];
}

export interface DiffReport {
  a: Side;
  b: Side;
  verdict: Verdict;
  exitCode: 0 | 1;
  environment: EnvironmentSection | null;
  config: ConfigSection | null;
  training: TrainingSection | null;
  parameters: ParametersSection | null;
}
