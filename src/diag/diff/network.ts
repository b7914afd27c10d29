/**
 * Network changes between two configs: layers added, removed or changed (per
 * option), each with whether it can affect training, from the layers' roles
 * (roles.ts). Adding or removing a layer that is not optimised cannot change
 * training: parameters are initialised by name (contract point 2), dropout
 * masks are keyed by layer name (point 3), and scale-0, error-only and
 * constant losses are never differentiated (point 5). An `L2` option on a
 * computed layer always adds to the objective.
 */
import { lossScale } from "../../network/order.js";
import { ReproError } from "../../util/errors.js";
import { jsonEqual, show, sortedKeys } from "./format.js";
import { isPlain, type Json } from "./inputs.js";
import { configGraph, evalExpression, isConstantLoss, type LayerInfo, layerRoles } from "./roles.js";
import type { Effect, LayerChange, OptionChange, Role } from "./types.js";

const NO_EFFECT = "(no effect on training)";

/** Why a layer with this role does what it does: `loss as_is with scale 0 → reported only, ...`. */
export function explainRole(info: LayerInfo): { effect: Effect; reason: string } {
  const { node, role } = info;
  const l2 = node.opts.L2;
  if (role !== "unused" && typeof l2 === "number" && l2 !== 0)
    return { effect: "affects", reason: `L2 ${l2} on its parameters → changes the objective` };
  const loss = node.opts.loss;
  const own = loss !== undefined ? `loss ${loss} with scale ${lossScale(node)}` : null;
  const via = info.neededBy ? ` (needed by ${info.neededBy})` : "";
  switch (role) {
    case "objective":
      if (own && !node.unit) return { effect: "affects", reason: `${own} → changes the objective` };
      return { effect: "affects", reason: `feeds the objective${via} → changes training` };
    case "constant": {
      const expr = evalExpression(node);
      if (own && expr !== null && isConstantLoss(node))
        return {
          effect: "none",
          reason: `${own} on ${show(expr, 50)} → constant, never optimised ${NO_EFFECT}`,
        };
      return {
        effect: "none",
        reason: `needed only by constant losses${via} → never optimised ${NO_EFFECT}`,
      };
    }
    case "report":
      if (loss === "edit_distance")
        return {
          effect: "none",
          reason: `loss edit_distance → error only, never differentiated ${NO_EFFECT}`,
        };
      if (own && !node.unit)
        return { effect: "none", reason: `${own} → reported only, never differentiated ${NO_EFFECT}` };
      if (info.neededBy === node.path)
        return { effect: "none", reason: `output layer → computed, never differentiated ${NO_EFFECT}` };
      return {
        effect: "none",
        reason: `needed only by reported losses or outputs${via} → never differentiated ${NO_EFFECT}`,
      };
    case "unused":
      return { effect: "none", reason: `not needed by any loss or output → not computed ${NO_EFFECT}` };
  }
}

const ROLE_TEXT: Record<Role, string> = {
  objective: "in the objective",
  constant: "constant (never optimised)",
  report: "reported only",
  unused: "not computed",
};

/** The raw layer dicts by full path (recursing into `unit`s), for option diffs. */
function rawLayers(net: unknown, prefix = "", out = new Map<string, Json>()): Map<string, Json> {
  if (!isPlain(net)) return out;
  for (const name of sortedKeys(net)) {
    const layer = net[name];
    if (!isPlain(layer)) continue;
    out.set(`${prefix}${name}`, layer);
    if (isPlain(layer.unit)) rawLayers(layer.unit, `${prefix}${name}/`, out);
  }
  return out;
}

function optionChanges(a: Json, b: Json): OptionChange[] {
  const out: OptionChange[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (k === "unit" && isPlain(a.unit) && isPlain(b.unit)) continue; // its layers are compared one by one
    if (!(k in b)) out.push({ option: k, change: "removed", a: a[k] });
    else if (!(k in a)) out.push({ option: k, change: "added", b: b[k] });
    else if (!jsonEqual(a[k], b[k])) out.push({ option: k, change: "changed", a: a[k], b: b[k] });
  }
  return out;
}

/** A layer in both networks whose options differ: it can matter only if it is optimised in either. */
function explainChange(a: LayerInfo, b: LayerInfo): { effect: Effect; reason: string } {
  const ea = explainRole(a);
  const eb = explainRole(b);
  if (ea.effect === "none" && eb.effect === "none") {
    const both =
      a.role === b.role ? ROLE_TEXT[a.role] : `${ROLE_TEXT[a.role]} in A, ${ROLE_TEXT[b.role]} in B`;
    return { effect: "none", reason: `${both} → ${NO_EFFECT.slice(1, -1)}` };
  }
  if (a.role !== b.role)
    return {
      effect: "affects",
      reason: `${ROLE_TEXT[a.role]} → ${ROLE_TEXT[b.role]}: ${eb.effect === "affects" ? eb.reason : ea.reason}`,
    };
  // Same role, not optimised, but L2 makes it count.
  if (b.role !== "objective") return eb.effect === "affects" ? eb : ea;
  return {
    effect: "affects",
    reason: `${ROLE_TEXT[b.role]}${b.neededBy ? ` (needed by ${b.neededBy})` : ""} → changes training`,
  };
}

export interface NetworkDiff {
  layers: LayerChange[];
  /** Set when a network cannot be parsed; every layer difference then counts as affecting. */
  error?: string;
  rolesA?: Map<string, LayerInfo>;
  rolesB?: Map<string, LayerInfo>;
}

function className(layer: Json | undefined): string {
  return typeof layer?.class === "string" ? layer.class : "?";
}

/** Compares the `network` of two configs layer by layer. */
export function diffNetworks(a: Json, b: Json, fileA: string, fileB: string): NetworkDiff {
  const rawA = rawLayers(a.network);
  const rawB = rawLayers(b.network);
  let rolesA: Map<string, LayerInfo> | undefined;
  let rolesB: Map<string, LayerInfo> | undefined;
  let error: string | undefined;
  try {
    rolesA = layerRoles(configGraph(a, fileA));
    rolesB = layerRoles(configGraph(b, fileB));
  } catch (e) {
    if (!(e instanceof ReproError)) throw e;
    error = e.message;
    rolesA = rolesB = undefined;
  }
  const layers: LayerChange[] = [];
  const unknown = {
    effect: "affects" as Effect,
    reason: "the network does not parse, so this cannot be classified",
  };
  for (const path of [...new Set([...rawA.keys(), ...rawB.keys()])].sort()) {
    const la = rawA.get(path);
    const lb = rawB.get(path);
    const ia = rolesA?.get(path);
    const ib = rolesB?.get(path);
    if (la && !lb) {
      layers.push({
        layer: path,
        change: "removed",
        className: className(la),
        roleA: ia?.role,
        ...(ia ? explainRole(ia) : unknown),
      });
    } else if (!la && lb) {
      layers.push({
        layer: path,
        change: "added",
        className: className(lb),
        roleB: ib?.role,
        ...(ib ? explainRole(ib) : unknown),
      });
    } else if (la && lb) {
      const options = optionChanges(la, lb);
      const roleChanged = ia && ib && ia.role !== ib.role;
      if (options.length === 0 && !roleChanged) continue;
      layers.push({
        layer: path,
        change: "changed",
        className: className(lb),
        options,
        roleA: ia?.role,
        roleB: ib?.role,
        ...(ia && ib ? explainChange(ia, ib) : unknown),
      });
    }
  }
  return { layers, error, rolesA, rolesB };
}

/** Loss layers of a network (for the error-measure check), with what training knows about them. */
export function lossInfos(roles: Map<string, LayerInfo>): {
  name: string;
  scale: number;
  inObjective: boolean;
  hasValue: boolean;
  hasError: boolean;
}[] {
  const out = [];
  for (const [path, { node, role }] of roles) {
    const loss = node.opts.loss;
    if (loss === undefined || role === "unused") continue;
    const scale = lossScale(node);
    out.push({
      name: path,
      scale,
      inObjective: role === "objective" && loss !== "edit_distance" && scale !== 0 && !isConstantLoss(node),
      hasValue: loss !== "edit_distance",
      hasError: loss === "ce" || loss === "edit_distance",
    });
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : 1));
}
