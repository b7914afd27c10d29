/**
 * sacreBLEU's seed for resampling: the `SACREBLEU_SEED` text (default `12345`),
 * read with Python's `int()` (arbitrary size), or `none` (any case) for a seed
 * drawn from the operating system.
 */
import { randomBytes } from "node:crypto";
import { ReproError } from "../util/errors.js";

export const DEFAULT_SEED_TEXT = "12345";

export interface Seed {
  /** The integer seed; `null` for `none` (fresh entropy on every generator). */
  readonly value: bigint | null;
  /** How sacreBLEU prints it in signatures: `str(seed).lower()`. */
  readonly text: string;
}

/** Parses a seed the way sacreBLEU does (`None if s.lower() == 'none' else int(s)`). */
export function parseSeed(text: string, source = "seed"): Seed {
  if (text.toLowerCase() === "none") return { value: null, text: "none" };
  const m = /^[\s]*([+-]?)([0-9]+(?:_[0-9]+)*)[\s]*$/u.exec(text);
  if (!m) throw new ReproError(`${source} must be a non-negative integer or "none", got "${text}"`);
  const value = BigInt(m[2].replaceAll("_", "")) * (m[1] === "-" ? -1n : 1n);
  if (value < 0n)
    throw new ReproError(`${source} must be non-negative (numpy rejects negative seeds), got ${text}`);
  return { value, text: value.toString() };
}

/** A 128-bit seed from the operating system, for `none` (sacreBLEU then pulls entropy from the OS). */
export function osEntropySeed(): bigint {
  return BigInt(`0x${randomBytes(16).toString("hex")}`);
}
