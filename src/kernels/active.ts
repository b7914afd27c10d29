/**
 * The kernels ops run on. Chosen once at start-up, not per op: the default is
 * the native kernels when the addon loads, else the pure-TS reference (with a
 * one-time notice on stderr). `REPRONET_KERNELS=js|native|auto` overrides the
 * default (so the whole test suite can run on either), `REPRONET_THREADS`
 * the native thread count and `REPRONET_ISA=avx512|avx2|generic` the
 * instruction set of every native kernel (results never depend on either);
 * the CLI's `--kernels` / `--threads` call `selectKernels`.
 */
import { availableParallelism } from "node:os";
import { didYouMean, ReproError } from "../util/errors.js";
import { jsKernels } from "./js/index.js";
import type { Kernels } from "./kernels.js";
import { type NativeKernels, nativeKernels, nativeUnavailableReason } from "./native/index.js";

export type KernelsName = "js" | "native" | "auto";

let active: Kernels | null = null;
let noticeShown = false;

export function kernels(): Kernels {
  if (active === null) active = defaultKernels();
  return active;
}

export function setKernels(k: Kernels): void {
  active = k;
}

function parseThreads(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new ReproError(`${what} must be an integer in [1, 256], got "${value}"`);
  return n;
}

/**
 * Makes `name` the active kernel set and returns it. "native" throws when the
 * addon is unavailable; "auto" falls back to js with a one-time notice.
 * `threads` (native only; default $REPRONET_THREADS, else all cores) sizes the
 * kernel thread pool — results do not depend on it.
 */
export function selectKernels(name: KernelsName, threads?: number): Kernels {
  if (name !== "js" && name !== "native" && name !== "auto") {
    throw new ReproError(`unknown kernels "${String(name)}": expected js, native or auto`);
  }
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
    throw new ReproError(`threads must be an integer in [1, 256], got ${threads}`);
  }
  if (name === "js") {
    active = jsKernels;
    return active;
  }
  const native = nativeKernels();
  if (native === null) {
    if (name === "native") {
      throw new ReproError(`native kernels unavailable: ${nativeUnavailableReason()}`);
    }
    if (!noticeShown) {
      noticeShown = true;
      process.stderr.write(
        `repronet: native kernels unavailable (${nativeUnavailableReason()}); using the pure-TypeScript kernels\n`,
      );
    }
    active = jsKernels;
    return active;
  }
  native.setThreads(
    threads ?? parseThreads(process.env.REPRONET_THREADS, "REPRONET_THREADS") ?? availableParallelism(),
  );
  applyIsa(native, process.env.REPRONET_ISA);
  active = native;
  return active;
}

const ISAS = ["avx512", "avx2", "generic"] as const;

/** Forces the instruction set of all native kernels ($REPRONET_ISA); unset or "auto": the best here. */
function applyIsa(native: NativeKernels, value: string | undefined): void {
  const name = value === undefined || value === "" ? "auto" : value;
  if (name !== "auto" && !(ISAS as readonly string[]).includes(name)) {
    throw new ReproError(
      `REPRONET_ISA must be avx512, avx2, generic or auto, got "${name}"${didYouMean(name, ISAS)}`,
    );
  }
  if (!native.setIsa(name as (typeof ISAS)[number] | "auto")) {
    native.setIsa("auto");
    throw new ReproError(
      `REPRONET_ISA=${name}: this CPU does not support it (the best here is ${native.isa()})`,
    );
  }
}

function defaultKernels(): Kernels {
  const env = process.env.REPRONET_KERNELS;
  if (env === undefined || env === "") return selectKernels("auto");
  if (env !== "js" && env !== "native" && env !== "auto") {
    throw new ReproError(`REPRONET_KERNELS must be js, native or auto, got "${env}"`);
  }
  return selectKernels(env);
}
