/**
 * What the trainer records per step for diagnosis, from the config keys
 * `fingerprint_every_n_steps` (digests in train.jsonl, see step-digest.ts)
 * and `debug_grad` (OUT/grads.jsonl, see grad-trace.ts). The trainer asks for
 * one StepProbe per step; a probe sees the batch, the gradients and the
 * parameters after the update, and nothing it does changes a number.
 */
import type { Param } from "../network/params.js";
import type { Batch } from "../network/types.js";
import type { Tensor } from "../tensor/tensor.js";
import { ReproError } from "../util/errors.js";
import { firstNonFinite, GradTraceFile, type LayerFilter, layerFilter, traceRecord } from "./grad-trace.js";
import { digestBatch, digestNamed, digestParams, type StepFingerprint } from "./step-digest.js";

/** Default `fingerprint_every_n_steps`: every step (the digests cost well under 1 % of a step, see docs/diagnostics.md). */
export const DEFAULT_FINGERPRINT_EVERY = 1;

export interface DiagSettings {
  /** 0: no fingerprints. */
  fingerprintEvery: number;
  /** `debug_grad`: null (off), true (all layers) or layer names/paths. */
  debugGrad: true | string[] | null;
}

export function parseDiagSettings(config: Record<string, unknown>, file: string): DiagSettings {
  const every = config.fingerprint_every_n_steps ?? DEFAULT_FINGERPRINT_EVERY;
  if (typeof every !== "number" || !Number.isSafeInteger(every) || every < 0)
    throw new ReproError(
      `${file}: fingerprint_every_n_steps must be a non-negative integer (0: off), got ${JSON.stringify(every)}`,
    );
  const dg = config.debug_grad ?? false;
  const isList = Array.isArray(dg) && dg.every((x) => typeof x === "string" && x !== "");
  if (dg !== true && dg !== false && !isList)
    throw new ReproError(
      `${file}: debug_grad must be true, false or a list of layer names, got ${JSON.stringify(dg)}`,
    );
  return { fingerprintEvery: every, debugGrad: dg === false ? null : dg === true ? true : (dg as string[]) };
}

/** What forwardBackward lets a probe see (see src/train/step.ts). */
export interface StepProbe {
  /** When set, the network appends each computed layer output here and its gradient is kept. */
  readonly layerOutputs?: { path: string; value: Tensor }[];
  /** The batch, as made; returns it. */
  batch(b: Batch): Batch;
  /** This batch's gradients (before accumulation); returns the non-finite guard's diagnosis, if any. */
  gradients(
    trainable: readonly Param[],
    grads: readonly (Tensor | null)[],
    retained: ReadonlyMap<Tensor, Tensor>,
    loss: number,
  ): string | null;
  /** After the update: the step's fingerprint, when one is due. */
  finish(params: readonly Param[]): StepFingerprint | undefined;
}

export class StepDiagnostics {
  private readonly trace: GradTraceFile | null;
  private readonly keep: LayerFilter | null;

  constructor(
    readonly settings: DiagSettings,
    outDir: string,
    fromStep: number,
  ) {
    this.keep = settings.debugGrad ? layerFilter(settings.debugGrad) : null;
    this.trace = this.keep ? new GradTraceFile(outDir, fromStep) : null;
  }

  /** The probe of one step (global step `globalStep`, step `step` of `epoch`); `params` before the step. */
  probe(globalStep: number, epoch: number, step: number, params: readonly Param[]): StepProbe {
    const due = this.settings.fingerprintEvery > 0 && globalStep % this.settings.fingerprintEvery === 0;
    const { trace, keep } = this;
    const layerOutputs = trace ? [] : undefined;
    // The first step also records the initial parameters.
    const init = due && globalStep === 0 ? digestParams(params) : undefined;
    let batch = "";
    let grads = "";
    return {
      layerOutputs,
      batch(b) {
        if (due) batch = digestBatch(b);
        return b;
      },
      gradients(trainable, g, retained, loss) {
        if (due)
          grads = digestNamed(
            trainable.map((p) => p.name),
            g,
          );
        if (!trace || !keep) return null;
        const at = { global_step: globalStep, epoch, step, loss };
        const record = traceRecord(at, layerOutputs!, retained, trainable, g, keep);
        trace.write(record);
        return firstNonFinite(record);
      },
      finish(params) {
        return due ? { ...(init && { init }), batch, grads, params: digestParams(params) } : undefined;
      },
    };
  }

  close(): void {
    this.trace?.close();
  }
}
