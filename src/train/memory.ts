/**
 * Will a training step fit in memory? Checked before the first real batch
 * runs (and before the run directory changes), so a `batch_size`, `max_seqs`
 * or `max_seq_length` too large for the machine is one `error:` line, not the
 * OOM killer hours later.
 *
 * The estimate, for the largest batch the batching rules allow on each
 * dataset (train, dev, eval_datasets):
 *
 *   parameters  the parameter bytes × 4: value, accumulated gradient, Adam's
 *               two moments (as ParamStore's own check);
 *   activations the peak bytes of tensors alive during forward + backward
 *               (activations the tape keeps, gradients, transients), measured,
 *               not derived: six dry steps on dummy batches of B ∈ {2, 3}
 *               sequences × T ∈ {24, 48, 72} frames (dense inputs) or
 *               {4, 8, 12} (labels only, e.g. translation) are fitted with
 *                   bytes(B, T) = fixed(T) + B·perSeq(T),
 *               both quadratics in T (fixed: the parameters' gradients,
 *               [T, T] masks; perSeq: everything framewise, and attention
 *               energies, T² per head), with slopes and curvatures ≥ 0,
 *               raised until the model covers every measurement, over
 *               every point of the step (see fitStepModel), then × 1.25
 *               for the buffer pool's size classes, plus the idle buffers
 *               the pool keeps for reuse (as many again, at most 512 MiB);
 *   the rest    the process's resident memory now (code, datasets) less the
 *               parameters and the pool's idle buffers.
 *
 * Every key of the dummy batch has T frames (CTC targets T/8 labels), the
 * padded worst case for a batch whose longest sequence has T frames. It is an
 * over-estimate by design (test/train/memory.test.ts checks that the tensor
 * part stays within 2× of a real step's measured peak); kernel scratch
 * arrays and garbage not yet collected are not counted.
 */
import { type BatchingOptions, type Dataset, tooLong } from "../data/index.js";
import { COPIES_IN_TRAINING } from "../network/params.js";
import type { DryShape, TrainableNetwork } from "../network/types.js";
import { MAX_FREE_BYTES, pooledFreeBytes } from "../tensor/buffer-pool.js";
import { tensorBytesTrace } from "../tensor/meter.js";
import { ReproError } from "../util/errors.js";
import { humanBytes, type MemoryLimit, memoryLimit } from "../util/memory.js";
import type { DataSettings, TrainSettings } from "./settings.js";

/** The buffer pool rounds sizes up to 2^e·{1, 1.25, 1.5, 1.75}: at most 1.25× (src/tensor/buffer-pool.ts). */
const POOL_ROUNDING = 1.25;
/** Frames of the shortest dummy batch when the network does not say; the others are 2× and 3×. */
const BASE_FRAMES = 24;

/** a + b·T + c·T² bytes. */
export interface Quadratic {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** A step's tensor bytes: fixed(T) + B·perSeq(T). */
export interface StepModel {
  /** What does not grow with B: the parameters' gradients, [T, T] attention masks, positional encodings. */
  readonly fixed: Quadratic;
  /** Per sequence: framewise activations (b), attention energies (c). */
  readonly perSeq: Quadratic;
}

const at = (q: Quadratic, t: number): number => q.a + q.b * t + q.c * t * t;

export const modelBytes = (m: StepModel, s: DryShape): number =>
  at(m.fixed, s.time) + s.batch * at(m.perSeq, s.time);

/** The live tensor bytes after each new buffer of one training step on a dummy batch of `shape` (parameters excluded). */
export function measureStep(net: TrainableNetwork, shape: DryShape): number[] {
  const params = net.params.list().map((p) => p.value);
  return tensorBytesTrace(() => net.dryStep!(shape), params);
}

/**
 * Fits the step model to traces of live bytes (`measure`) at B ∈ {2, 3} ×
 * T ∈ {t, 2t, 3t} (not B = 1: some ops skip work for a single sequence, so
 * its trace has fewer points). The peak moves with the shape (at short T the
 * feed-forward layers' backward may need the most, at long T attention's),
 * so when the steps allocate the same buffers in the same order at every
 * shape, each point of the trace is fitted on its own and the model takes
 * the largest of each coefficient over them: an upper bound of every point,
 * hence of the peak, at any shape. Otherwise (a loop over time steps makes
 * the number of buffers depend on T) only the peaks are fitted.
 */
export function fitStepModel(measure: (s: DryShape) => readonly number[], t = BASE_FRAMES): StepModel {
  const times = [t, 2 * t, 3 * t];
  const two = times.map((time) => measure({ batch: 2, time }));
  const three = times.map((time) => measure({ batch: 3, time }));
  const n = two[0].length;
  if (![...two, ...three].every((trace) => trace.length === n)) {
    const peak = (trace: readonly number[]) => trace.reduce((a, b) => Math.max(a, b), 0);
    return fitPoint(times, two.map(peak), three.map(peak));
  }
  let model: StepModel = { fixed: { a: 0, b: 0, c: 0 }, perSeq: { a: 0, b: 0, c: 0 } };
  for (let e = 0; e < n; e++) {
    const m = fitPoint(
      times,
      two.map((trace) => trace[e]),
      three.map((trace) => trace[e]),
    );
    model = { fixed: maxOf(model.fixed, m.fixed), perSeq: maxOf(model.perSeq, m.perSeq) };
  }
  return model;
}

/** The model through bytes measured at B = 2 (`two`) and B = 3 (`three`) at `times`. */
function fitPoint(times: readonly number[], two: readonly number[], three: readonly number[]): StepModel {
  return {
    fixed: coveringQuadratic(
      times,
      two.map((f, i) => 3 * f - 2 * three[i]),
    ),
    perSeq: coveringQuadratic(
      times,
      three.map((f, i) => f - two[i]),
    ),
  };
}

const maxOf = (p: Quadratic, q: Quadratic): Quadratic => ({
  a: Math.max(p.a, q.a),
  b: Math.max(p.b, q.b),
  c: Math.max(p.c, q.c),
});

/**
 * The parabola through three equally spaced points, with b, c ≥ 0 (a falling
 * curvature becomes the line through the outer points: extrapolated, a
 * parabola opening downwards would predict less than was measured), and a
 * lifted until it is at or above every point.
 */
function coveringQuadratic(times: readonly number[], y: readonly number[]): Quadratic {
  const h = times[1] - times[0];
  let c = (y[2] - 2 * y[1] + y[0]) / (2 * h * h);
  let b = (y[1] - y[0]) / h - c * (times[0] + times[1]);
  if (c < 0) [c, b] = [0, (y[2] - y[0]) / (2 * h)];
  b = Math.max(0, b);
  const a = Math.max(0, ...y.map((v, i) => v - b * times[i] - c * times[i] ** 2));
  return { a, b, c };
}

/**
 * The batch shapes worth checking on a dataset: for each length L of a
 * sequence that `max_seq_length` keeps, the most sequences a batch whose
 * longest has L frames can hold (batch_size / L, max_seqs, and how many
 * sequences are that short; a longer one than batch_size goes alone).
 */
export function batchShapes(ds: Dataset, o: BatchingOptions): DryShape[] {
  const count = new Map<number, number>();
  for (let i = 0; i < ds.numSeqs; i++) {
    const lengths = ds.lengths(i);
    if (tooLong(lengths, o.maxSeqLength)) continue;
    const len = Math.max(0, ...Object.values(lengths));
    count.set(len, (count.get(len) ?? 0) + 1);
  }
  const shapes: DryShape[] = [];
  let shorter = 0;
  for (const len of [...count.keys()].sort((a, b) => a - b)) {
    shorter += count.get(len)!;
    const fit = len > o.batchSize ? 1 : Math.max(1, Math.floor(o.batchSize / Math.max(1, len)));
    shapes.push({ batch: Math.min(fit, shorter, o.maxSeqs > 0 ? o.maxSeqs : shorter), time: len });
  }
  return shapes;
}

export interface MemoryEstimate {
  /** The dataset whose largest batch needs the most ("train", "dev", ...). */
  readonly dataset: string;
  readonly batching: BatchingOptions;
  /** That batch: sequences × frames of the longest. */
  readonly shape: DryShape;
  readonly parameters: number;
  /** Null when the network cannot be measured (no dry step, or it failed: `why`). */
  readonly activations: number | null;
  readonly rest: number;
  readonly total: number;
  readonly limit: MemoryLimit;
  readonly why?: string;
}

/** The estimate for the largest batch of the train and eval datasets (null when they have no sequences). */
export function estimateStepMemory(net: TrainableNetwork, s: TrainSettings): MemoryEstimate | null {
  const paramBytes = net.params.list().reduce((n, p) => n + p.value.size * 4, 0);
  const rest = Math.max(0, process.memoryUsage().rss - paramBytes - pooledFreeBytes());
  let model: StepModel | null = null;
  let why: string | undefined;
  if (!net.dryStep) why = "the network has no dry step";
  else {
    try {
      model = fitStepModel((shape) => measureStep(net, shape), net.dryFrames);
    } catch (e) {
      why = `a dry step failed: ${(e as Error).message}`;
    }
  }
  // Unmeasured, the batch with the most padded frames is named.
  const size = (shape: DryShape) => (model ? modelBytes(model, shape) : shape.batch * shape.time);
  const sets: [string, DataSettings][] = [
    ["train", s.train],
    ...s.evals.map((e) => [e.name, e] as [string, DataSettings]),
  ];
  let worst: { name: string; d: DataSettings; shape: DryShape; size: number } | null = null;
  for (const [name, d] of sets) {
    for (const shape of batchShapes(d.dataset, d.batching)) {
      const n = size(shape);
      if (!worst || n > worst.size) worst = { name, d, shape, size: n };
    }
  }
  if (!worst) return null;
  const parameters = paramBytes * COPIES_IN_TRAINING;
  // The pool's size classes, and the idle buffers it keeps for reuse (up to its cap).
  const tensors = model ? POOL_ROUNDING * worst.size : 0;
  const activations = model ? tensors + Math.min(MAX_FREE_BYTES, tensors) : null;
  return {
    dataset: worst.name,
    batching: worst.d.batching,
    shape: worst.shape,
    parameters,
    activations,
    rest,
    total: parameters + (activations ?? 0) + rest,
    limit: memoryLimit(),
    ...(why !== undefined && { why }),
  };
}

/** The batch an estimate is for, and the parameters' and activations' parts. */
function describe(e: MemoryEstimate): { batch: string; parts: string } {
  const o = e.batching;
  const maxLen =
    o.maxSeqLength === null
      ? "none"
      : typeof o.maxSeqLength === "number"
        ? String(o.maxSeqLength)
        : Object.entries(o.maxSeqLength)
            .map(([k, v]) => `${k}:${v}`)
            .join(",");
  const what = e.dataset === "train" ? "training" : e.dataset;
  const acts =
    e.activations === null
      ? `activations not estimated (${e.why})`
      : `activations ${humanBytes(e.activations)}`;
  return {
    batch: `a ${what} batch of up to ${e.shape.batch} sequence${e.shape.batch === 1 ? "" : "s"} × ${e.shape.time} frames (batch_size ${o.batchSize}, max_seqs ${o.maxSeqs || "none"}, max_seq_length ${maxLen})`,
    parts: `parameters ${humanBytes(e.parameters)}, ${acts}`,
  };
}

/**
 * The log line (log_verbosity ≥ 4). It leaves out the rest of the process
 * (its resident memory varies from run to run), so two runs log the same.
 */
export function memoryLine(e: MemoryEstimate): string {
  const d = describe(e);
  return `memory: ${d.batch} needs ${d.parts}, besides the process itself; the limit is ${humanBytes(e.limit.bytes)} (${e.limit.source})`;
}

/** Refuses a network whose largest batch would need more memory than the process may use. */
export function checkStepMemory(
  net: TrainableNetwork,
  s: TrainSettings,
  file: string,
): MemoryEstimate | null {
  const e = estimateStepMemory(net, s);
  if (e && e.total > e.limit.bytes) {
    const d = describe(e);
    throw new ReproError(
      `${file}: ${d.batch} needs about ${humanBytes(e.total)} (${d.parts}, rest of the process ${humanBytes(e.rest)}), more than the ${humanBytes(e.limit.bytes)} of memory (${e.limit.source}); lower batch_size, max_seqs or max_seq_length`,
    );
  }
  return e;
}
