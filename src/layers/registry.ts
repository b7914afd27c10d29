/** Layer classes by RETURNN name. Each class registers itself explicitly; nothing is scanned. */

import type { z } from "zod";
import { didYouMean, ReproError } from "../util/errors.js";
import type { LayerDef } from "./layer.js";

const layers = new Map<string, LayerDef>();

export function registerLayer<S extends z.ZodRawShape>(name: string, def: LayerDef<S>): void {
  if (layers.has(name)) throw new Error(`layer class "${name}" registered twice`);
  layers.set(name, def as unknown as LayerDef);
}

/** The definition of a layer class; unknown names are a user error with a hint. */
export function layerClass(name: string, where: string): LayerDef {
  const def = layers.get(name);
  if (!def) {
    throw new ReproError(`${where}: unknown layer class "${name}"${didYouMean(name, layers.keys())}`);
  }
  return def;
}

export const layerClassNames = (): string[] => [...layers.keys()].sort();
