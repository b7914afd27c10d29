import { ReproError } from "../util/errors.js";
import { describeValue, isPlainObject, setOwn } from "./plain.js";

/**
 * Applies the CLI's repeated `--set key=value`, in order. The value is parsed
 * as JSON (`5`, `1e-4`, `true`, `null`, `"x"`, `{"a": 1}`), else taken as a
 * plain string. A dotted key `a.b.c` sets a key inside nested dicts, creating
 * missing ones. Returns a new config: the input, and every dict on a changed
 * path, are copied rather than mutated (other values, functions included, are
 * shared).
 */
export function applyOverrides(config: Record<string, unknown>, sets: string[]): Record<string, unknown> {
  const out = copy(config);
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq < 0) throw new ReproError(`--set ${set}: expected key=value`);
    const key = set.slice(0, eq);
    const path = key.split(".");
    if (path.some((p) => p.trim() === "")) throw new ReproError(`--set ${set}: invalid key "${key}"`);
    const value = parseValue(set.slice(eq + 1));
    let node = out;
    for (let k = 0; k < path.length - 1; k++) {
      const child = Object.hasOwn(node, path[k]) ? node[path[k]] : undefined;
      if (child !== undefined && !isPlainObject(child)) {
        const at = path.slice(0, k + 1).join(".");
        throw new ReproError(`--set ${set}: "${at}" is ${describeValue(child)}, not a dict`);
      }
      const next = child === undefined ? {} : copy(child);
      setOwn(node, path[k], next);
      node = next;
    }
    setOwn(node, path[path.length - 1], value);
  }
  return out;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function copy(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) setOwn(out, k, obj[k]);
  return out;
}
