/** The single source of a layer class that takes exactly one. */
import type { Data } from "../../network/data.js";
import { ReproError } from "../../util/errors.js";

export function onlySource(inputs: readonly Data[], where: string, cls: string): Data {
  if (inputs.length !== 1) throw new ReproError(`${where}: ${cls} takes one source, got ${inputs.length}`);
  return inputs[0];
}
