/**
 * How raw text becomes the units BPE works on (shared by learning and
 * encoding, so both always agree).
 *
 * SentencePiece-style: a dummy space is put in front of the text and every
 * space (U+0020) is written as `▁` (U+2581, the "meta" symbol) at the start of
 * the unit that follows it. A unit starts at every `▁`; with `splitClasses`
 * it also starts where the character class changes (letters+marks, digits,
 * everything else), so no subword ever mixes a word with its punctuation — a
 * simplification of SentencePiece's `split_by_unicode_script` and
 * `split_by_number`. A leading `▁` joins whatever follows it. Characters the
 * caller does not know (and a literal `▁` in the input, which would be
 * ambiguous) end the current unit and are passed to `onUnknown`.
 *
 * Nothing else is normalised: runs of spaces, tabs, leading and trailing
 * spaces all survive (`"a  b"` gives the units `▁a`, `▁`, `▁b`).
 */

/** The symbol that stands for a space (U+2581 LOWER ONE EIGHTH BLOCK). */
export const META = "\u2581";

/** Character classes for `splitClasses`: 0 = none yet, letters+marks, digits, anything else. */
type CharClass = 0 | 1 | 2 | 3;
const NONE: CharClass = 0;
const LETTER_CLASS: CharClass = 1;
const DIGIT_CLASS: CharClass = 2;
const OTHER_CLASS: CharClass = 3;

const LETTER = /^[\p{L}\p{M}]$/u;
const DIGIT = /^\p{N}$/u;
const classCache = new Map<string, CharClass>();

function charClass(c: string): CharClass {
  let k = classCache.get(c);
  if (k === undefined) {
    k = LETTER.test(c) ? LETTER_CLASS : DIGIT.test(c) ? DIGIT_CLASS : OTHER_CLASS;
    if (classCache.size < 65536) classCache.set(c, k);
  }
  return k;
}

/** Matches a UTF-16 surrogate that is not part of a pair (the `u` flag makes pairs one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True if `text` is well-formed UTF-16 (every string decoded from valid UTF-8 is). */
export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

export interface SegmentCallbacks {
  /** True for characters that may enter a unit (never called for the space or `▁`). */
  known(c: string): boolean;
  /** A unit: `▁`-prefixed or not, at least one code point. */
  onUnit(unit: string): void;
  /** A character that is not known (or a literal `▁`), in text order between the units. */
  onUnknown(c: string): void;
}

/**
 * Cuts `text` into units (see the module comment). The empty string has no
 * units; any other text starts with a `▁` unit (the dummy prefix).
 */
export function segment(text: string, splitClasses: boolean, cb: SegmentCallbacks): void {
  if (text === "") return;
  let unit = META;
  let cls = NONE;
  for (const c of text) {
    if (c === " ") {
      if (unit !== "") cb.onUnit(unit);
      unit = META;
      cls = NONE;
    } else if (c === META || !cb.known(c)) {
      if (unit !== "") cb.onUnit(unit);
      unit = "";
      cls = NONE;
      cb.onUnknown(c);
    } else {
      if (splitClasses) {
        const k = charClass(c);
        if (cls !== NONE && k !== cls) {
          cb.onUnit(unit);
          unit = "";
        }
        cls = k;
      }
      unit += c;
    }
  }
  if (unit !== "") cb.onUnit(unit);
}

/**
 * Compares strings by Unicode code points (as Python's `<` does), not by
 * UTF-16 code units: the two differ only between a surrogate and U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
