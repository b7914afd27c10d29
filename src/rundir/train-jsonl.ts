/**
 * `OUT/train.jsonl`: one JSON record per training step, for tools and plots:
 *
 *   {"epoch":1,"step":0,"global_step":0,"cost":{"output/output_prob":3.17},"error":{...},
 *    "loss":3.17,"learning_rate":0.001,"grad_norm":1.92,"sec_per_step":0.41}
 *
 * (`pretrain: true` in pretrain epochs, `update` when gradients are
 * accumulated, `grad_norms` per parameter with `log_grad_norms`, `fingerprint` per
 * `fingerprint_every_n_steps`). Non-finite numbers are written as strings ("NaN"). On start,
 * records at or after the global step training continues from are dropped, so
 * a resumed run's file lists every step once.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.js";
import { finiteJson } from "./checkpoint.js";
import { trainJsonlPath, withFsErrors } from "./layout.js";

/** 64-bit digests (hex) of one step: the batch, its gradients and the parameters after the update. */
export interface StepFingerprint {
  /** Global step 0 only: the initial parameters. */
  init?: string;
  batch: string;
  grads: string;
  params: string;
}

export interface StepRecord {
  epoch: number;
  step: number;
  global_step: number;
  pretrain?: boolean;
  cost: Record<string, number>;
  error: Record<string, number>;
  loss: number;
  learning_rate: number;
  grad_norm: number;
  /** With `log_grad_norms`: each trainable parameter's gradient norm, by name. */
  grad_norms?: Record<string, number>;
  sec_per_step: number;
  update?: boolean;
  /** Digests of the batch, the gradients and the updated parameters (`fingerprint_every_n_steps`). */
  fingerprint?: StepFingerprint;
}

export class TrainJsonl {
  private fd: number | null;
  private readonly path: string;

  /** Opens `OUT/train.jsonl` for appending, keeping only records of global steps before `fromStep`. */
  constructor(outDir: string, fromStep: number) {
    const path = trainJsonlPath(outDir);
    this.path = path;
    const kept = existsSync(path)
      ? readFileSync(path, "utf8")
          .split("\n")
          .filter((line) => {
            try {
              return line !== "" && (JSON.parse(line) as StepRecord).global_step < fromStep;
            } catch {
              return false; // a line cut by a crash
            }
          })
      : [];
    withFsErrors(() => writeFileAtomic(path, kept.map((l) => `${l}\n`).join("")), path);
    this.fd = withFsErrors(() => openSync(path, "a"), path);
  }

  write(record: StepRecord): void {
    const fd = this.fd;
    if (fd !== null) withFsErrors(() => writeSync(fd, `${JSON.stringify(record, finiteJson)}\n`), this.path);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
