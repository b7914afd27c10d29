/**
 * Why two runs under `param_init_seeding: "returnn"` start from different
 * parameters although their configs differ only in layers that cannot affect
 * training: RETURNN's construction order (src/network/param-seeding.ts) moved
 * a layer with parameters, so its initial values came from another stream.
 * With keyed seeding the same change leaves every initial value as it was.
 */
import { defaultTargetOf, parseExternData, parseNetwork } from "../../network/graph.js";
import { returnnConstructionOrder } from "../../network/param-seeding.js";
import type { Json } from "./inputs.js";

const seedingOf = (c: Json) => (c.param_init_seeding === "returnn" ? "returnn" : "keyed");

function orderOf(config: Json, file: string): string[] | null {
  try {
    const externs = parseExternData(config.extern_data, file);
    return returnnConstructionOrder(
      parseNetwork(config.network, file, externs, defaultTargetOf(config, file)),
    );
  } catch {
    return null; // the Config section reports networks that do not parse
  }
}

/**
 * The explanation, or null when it does not apply (keyed seeding, or no
 * layer with parameters moved). `paramNames`: parameter names of A, to tell
 * which layers own parameters.
 */
export function seedingExplanation(a: Json, b: Json, paramNames: readonly string[]): string | null {
  if (seedingOf(a) !== "returnn" || seedingOf(b) !== "returnn") return null;
  const [oa, ob] = [orderOf(a, "A"), orderOf(b, "B")];
  if (!oa || !ob) return null;
  const posB = new Map(ob.map((path, k) => [path, k]));
  const posA = new Map(oa.map((path, k) => [path, k]));
  const owns = (path: string) => paramNames.some((n) => n.startsWith(`${path}/`));
  const moved = oa.find((path, k) => posB.has(path) && posB.get(path) !== k && owns(path));
  if (moved === undefined) return null;
  const before = (order: string[], other: Map<string, number>, pos: number) =>
    order.slice(0, pos).find((path) => !other.has(path));
  const added = before(ob, posA, posB.get(moved)!);
  const removed = before(oa, posB, posA.get(moved)!);
  const change = added
    ? `adding layer ${added}`
    : removed
      ? `removing layer ${removed}`
      : "reordering layers";
  return `under returnn seeding, ${change} before ${moved} changes the initial value of ${moved}'s parameters; with keyed seeding they are identical`;
}
