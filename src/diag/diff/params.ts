/**
 * The Parameters section: two parameter sets (two checkpoint files, or the
 * newest common checkpoint of two runs) compared by full name — parameters
 * only in A or only in B, and per shared parameter either bit-identical or
 * max |Δ| and the relative L2 difference ‖a − b‖₂ / ‖a‖₂, summed in float64
 * in index order.
 */
import { fingerprintParams } from "../../rundir/index.js";
import type { ParamDiff, ParametersSection } from "./types.js";

type Param = { readonly shape: readonly number[]; readonly data: Float32Array };

/** True when the float32 bits are equal (+0 and −0 differ, as in fingerprints). */
function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/** Float32Array views may be unaligned for Uint32Array; copy when needed. */
const aligned = (x: Float32Array): Float32Array => (x.byteOffset % 4 === 0 ? x : Float32Array.from(x));

export function compareParam(name: string, a: Param, b: Param): ParamDiff {
  const base = { name, shapeA: [...a.shape], shapeB: [...b.shape] };
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
    return { ...base, identical: false, maxAbs: null, relL2: null };
  const [da, db] = [aligned(a.data), aligned(b.data)];
  if (bitsEqual(da, db)) return { ...base, identical: true, maxAbs: 0, relL2: 0 };
  let maxAbs = 0;
  let nan = false;
  let diff2 = 0;
  let a2 = 0;
  let b2 = 0;
  for (let i = 0; i < da.length; i++) {
    const d = da[i] - db[i];
    const ad = Math.abs(d);
    if (Number.isNaN(ad)) nan = true;
    else if (ad > maxAbs) maxAbs = ad;
    diff2 += d * d;
    a2 += da[i] * da[i];
    b2 += db[i] * db[i];
  }
  const norm = a2 > 0 ? Math.sqrt(a2) : Math.sqrt(b2);
  // A NaN on one side (or at different positions) is reported as a NaN difference, never hidden.
  if (nan) return { ...base, identical: false, maxAbs: Number.NaN, relL2: Number.NaN };
  return { ...base, identical: false, maxAbs, relL2: norm > 0 ? Math.sqrt(diff2) / norm : 0 };
}

export function compareParams(
  a: ReadonlyMap<string, Param>,
  b: ReadonlyMap<string, Param>,
  files: { fileA: string; fileB: string; checkpoint: string | null },
): ParametersSection {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const differing: ParamDiff[] = [];
  const identicalNames: string[] = [];
  for (const n of names) {
    const [pa, pb] = [a.get(n), b.get(n)];
    if (!pa || !pb) continue;
    const d = compareParam(n, pa, pb);
    if (d.identical) identicalNames.push(n);
    else differing.push(d);
  }
  return {
    ...files,
    digestA: fingerprintParams(a).digest,
    digestB: fingerprintParams(b).digest,
    onlyA: names.filter((n) => !b.has(n)),
    onlyB: names.filter((n) => !a.has(n)),
    identical: identicalNames.length,
    identicalNames,
    differing,
  };
}
