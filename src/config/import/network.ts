/**
 * What `repronet import` changes in a net dict (each change one note):
 *
 * - an `eval` layer that calls a config function on `source(0)`
 *   (the usual SpecAugment `transform`) becomes `{"class": "specaugment"}`
 *   with RETURNN's usual options (repronet runs no Python);
 * - "#" keys (`#pretrain_idx`, `#info`, `#config`, ...) are left out: RETURNN
 *   builds no layer from them, and repronet does not apply `#config`;
 * - layer options that only place work in RETURNN's runtime (`param_device`)
 *   are left out.
 * Rec units are mapped the same way.
 */
import { isPlainObject } from "../plain.js";

/** `eval` calling a config function on the input: `transform(source(0, as_data=True), network=self.network)`, `source(0)`. */
const CONFIG_FUNCTION_CALL =
  /(?:typed_value\(\s*["'](\w+)["']\s*\)|\b(\w+))\(\s*source\(\s*0\s*(?:,[^)]*)?\)/;

const RUNTIME_LAYER_OPTIONS = ["param_device"];

/** The mapped net dict; `keep` lists "#" keys to keep (a pretrain step's "#repetition"). */
export function mapNetwork(
  net: Record<string, unknown>,
  fns: ReadonlySet<string>,
  where: string,
  notes: string[],
  keep: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, layer] of Object.entries(net)) {
    if (name.startsWith("#") && !keep.includes(name)) {
      notes.push(`note: ${where}: "${name}" is not applied by repronet (left out)`);
      continue;
    }
    out[name] = isPlainObject(layer) ? mapLayer(layer, fns, `${where}/${name}`, notes) : layer;
  }
  return out;
}

function mapLayer(
  layer: Record<string, unknown>,
  fns: ReadonlySet<string>,
  where: string,
  notes: string[],
): Record<string, unknown> {
  const out = { ...layer };
  for (const opt of RUNTIME_LAYER_OPTIONS)
    if (opt in out) {
      delete out[opt];
      notes.push(`note: ${where}: option ${opt} has no effect here (left out)`);
    }
  if (isPlainObject(out.unit)) out.unit = mapNetwork(out.unit, fns, where, notes);
  if (out.class !== "eval" || typeof out.eval !== "string") return out;
  const m = CONFIG_FUNCTION_CALL.exec(out.eval);
  const fn = m && (m[1] ?? m[2]);
  if (!fn || !fns.has(fn)) return out;
  notes.push(
    `note: ${where}: eval calling the config function ${fn} mapped to {"class": "specaugment"} with RETURNN's usual options`,
  );
  return { class: "specaugment", from: out.from ?? "data" };
}
