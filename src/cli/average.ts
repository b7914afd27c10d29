/**
 * `repronet average RUN_DIR [--last N | --epochs LIST] --out FILE`: the
 * element-wise mean of the parameters of several epoch checkpoints (checkpoint
 * averaging, as in fairseq's average_checkpoints). Sums run in float64 in
 * ascending epoch order, then round once to float32: deterministic.
 */
import type { Command } from "commander";
import { type NamedTensor, writeSafetensors } from "../io/safetensors.js";
import { checkpointDir, listCheckpoints, paramsPath, readParams } from "../rundir/index.js";
import { ReproError } from "../util/errors.js";

export function averageCheckpoints(files: readonly string[]): Record<string, NamedTensor> {
  if (files.length === 0) throw new ReproError("average: no checkpoints to average");
  const first = readParams(files[0]);
  const sums = new Map<string, Float64Array>();
  for (const [name, p] of first) sums.set(name, Float64Array.from(p.data));
  for (const file of files.slice(1)) {
    const params = readParams(file);
    const names = [...params.keys()];
    if (names.length !== sums.size || names.some((n) => !sums.has(n))) {
      throw new ReproError(`${file}: its parameters differ from those of ${files[0]}`);
    }
    for (const [name, p] of params) {
      const sum = sums.get(name)!;
      if (p.data.length !== sum.length)
        throw new ReproError(`${file}: parameter "${name}" has another shape`);
      for (let i = 0; i < sum.length; i++) sum[i] += p.data[i];
    }
  }
  const out: Record<string, NamedTensor> = {};
  for (const [name, sum] of sums) {
    out[name] = {
      dtype: "F32",
      shape: first.get(name)!.shape,
      data: Float32Array.from(sum, (s) => s / files.length),
    };
  }
  return out;
}

function epochList(value: string): number[] {
  const epochs = value.split(",").map((s) => Number(s.trim()));
  if (epochs.some((e) => !Number.isSafeInteger(e) || e < 1)) {
    throw new ReproError(`--epochs must be a comma-separated list of epoch numbers, got "${value}"`);
  }
  return epochs;
}

export function registerAverage(program: Command): void {
  program
    .command("average")
    .description("average the parameters of the last N (or the listed) epoch checkpoints of a run")
    .argument("<run_dir>", "a run directory written by `repronet train`")
    .requiredOption("--out <file>", "the averaged parameters (safetensors), written atomically")
    .option("--last <n>", "average the newest N epochs", (v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1) throw new ReproError(`--last must be a positive integer, got "${v}"`);
      return n;
    })
    .option("--epochs <list>", "average these epochs, e.g. 8,9,10", epochList)
    .action((runDir: string, o: { out: string; last?: number; epochs?: number[] }) => {
      if ((o.last === undefined) === (o.epochs === undefined))
        throw new ReproError("average: give exactly one of --last and --epochs");
      const dir = checkpointDir(runDir);
      // Epoch checkpoints of the full network only: not pretraining, not mid-epoch (Ctrl-C) ones.
      const available = listCheckpoints(dir)
        .filter((id) => !id.pretrain && id.step === null)
        .map((id) => id.epoch)
        .sort((a, b) => a - b);
      const chosen = o.epochs ?? available.slice(-o.last!);
      for (const e of chosen)
        if (!available.includes(e)) throw new ReproError(`${dir}: no checkpoint of epoch ${e}`);
      if (o.last !== undefined && chosen.length < o.last) {
        throw new ReproError(
          `${dir}: only ${chosen.length} epoch checkpoints, --last ${o.last} asked for more`,
        );
      }
      const sorted = [...chosen].sort((a, b) => a - b);
      writeSafetensors(o.out, averageCheckpoints(sorted.map((e) => paramsPath(dir, e))), {
        averaged_epochs: sorted.join(","),
      });
      process.stdout.write(`averaged epochs ${sorted.join(", ")} into ${o.out}\n`);
    });
}
