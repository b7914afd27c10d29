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
    const value = parseValue(set.slice(eq + 1), set);
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

function parseValue(text: string, set: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  // JSON.parse turns 1e400 into Infinity and 1e-400 into 0 without a word.
  if (
    typeof value === "number" &&
    (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(text.split(/e/i)[0])))
  )
    throw new ReproError(`--set ${set}: ${text} is out of the range of a double (it would become ${value})`);
  return value;
}

function copy(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) setOwn(out, k, obj[k]);
  return out;
}
