/**
 * Python `str` semantics that sacreBLEU relies on, reproduced exactly in JS.
 *
 * Python's `str.split()` / `str.strip()` treat these code points as whitespace
 * (`Py_UNICODE_ISSPACE`). JS `\s` differs: it matches U+FEFF and misses
 * U+001C–U+001F and U+0085, so it must never be used for tokenisation here.
 */
const PY_WS_CLASS =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const PY_WS_RUN = new RegExp(`[${PY_WS_CLASS}]+`, "u");
const PY_WS_TRAILING = new RegExp(`[${PY_WS_CLASS}]+$`, "u");
const PY_WS_LEADING = new RegExp(`^[${PY_WS_CLASS}]+`, "u");
const PY_WS_ANY = new RegExp(`[${PY_WS_CLASS}]`, "gu");

/** Python `s.split()`: split on runs of whitespace, dropping empty pieces. */
export function pySplit(s: string): string[] {
  const parts = s.split(PY_WS_RUN);
  let lo = 0;
  let hi = parts.length;
  if (lo < hi && parts[lo] === "") lo++;
  if (hi > lo && parts[hi - 1] === "") hi--;
  return lo === 0 && hi === parts.length ? parts : parts.slice(lo, hi);
}

/** Python `" ".join(s.split())`: collapse whitespace runs to one space and trim. */
export function pyNormalizeSpace(s: string): string {
  return pySplit(s).join(" ");
}

/** Python `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_TRAILING, "");
}

/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_WS_LEADING, "").replace(PY_WS_TRAILING, "");
}

/** Python `"".join(s.split())`: delete every whitespace character. */
export function pyRemoveSpace(s: string): string {
  return s.replace(PY_WS_ANY, "");
}

/**
 * Python `s.lower()`. Both use the full Unicode case mappings (SpecialCasing,
 * final sigma); JS `toLowerCase()` agreed with Python on every vector.
 */
export function pyLower(s: string): string {
  return s.toLowerCase();
}

/** The code points of `s` (Python indexes strings by code point, JS by UTF-16 unit). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}
