/** True for `{...}` objects (Object or null prototype), not arrays, functions or class instances. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Sets an own, enumerable property, also for keys like `__proto__` that plain assignment would misread. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** "a number", "an array", "null", ... for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (isPlainObject(v)) return "a dict";
  const t = typeof v;
  return t === "object" || t === "undefined" ? t : `a ${t}`;
}

/** 1-based line and column of a string offset. */
export function lineCol(text: string, pos: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      start = i + 1;
    }
  }
  return { line, col: pos - start + 1 };
}

/** A config value as it reads in a message: JSON, except that non-finite numbers stay `Infinity`/`NaN` (JSON says null). */
export const shown = (v: unknown): string => (typeof v === "number" ? String(v) : JSON.stringify(v));
