/** Short, stable renderings of values for diff lines. */

/** Keys sorted by plain `<` (UTF-16 code units), as everywhere in repronet. */
export const sortedKeys = (o: object): string[] =>
  Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Deep equality of JSON-like values (dict key order does not matter; NaN equals NaN). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = sortedKeys(a);
  const kb = sortedKeys(b as object);
  return (
    ka.length === kb.length &&
    ka.every(
      (k, i) =>
        k === kb[i] && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/** Compact JSON with sorted keys, cut to `max` characters with "…". */
export function show(v: unknown, max = 60): string {
  if (v === undefined) return "(unset)";
  // Strings print bare unless they would read as another JSON value ("0.1", "true").
  const bare =
    typeof v === "string" &&
    /^[^\s"]+$/.test(v) &&
    !/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(v);
  const text = bare ? (v as string) : (JSON.stringify(sortDeep(v)) ?? String(v));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(sortedKeys(o).map((k) => [k, sortDeep(o[k])]));
  }
  return v;
}

/** `old → new`. */
export const arrow = (a: unknown, b: unknown, max?: number): string => `${show(a, max)} → ${show(b, max)}`;

/** A number in 2 significant digits of scientific notation: `1.2e-3`. */
export function sci(x: number): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return String(x);
  const [m, e] = x.toExponential(1).split("e");
  return `${m}e${e.startsWith("+") ? e.slice(1) : e}`;
}

/** A commit shortened to 7 characters (null: "unknown"). */
export const shortCommit = (c: unknown): string =>
  typeof c === "string" && /^[0-9a-f]{8,}$/.test(c) ? c.slice(0, 7) : c == null ? "unknown" : String(c);

/** `1, 2, 3 and 4 more`. */
export function listShort(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}
