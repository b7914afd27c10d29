/**
 * Module hooks (run on Node's loader thread, see `node:module` `register`) that
 * let TS configs import other TS files: `.ts`/`.mts` files outside
 * node_modules are transpiled on load (ESM, ES2022, no type check), and a
 * relative `./x.js` that does not exist resolves to `./x.ts` (TypeScript's own
 * ESM convention). So a variant config can `import base from "./base.ts"`.
 */
import { readFileSync } from "node:fs";
import type { LoadHook, ResolveHook } from "node:module";
import { fileURLToPath } from "node:url";
import { transpileTs } from "./transpile.js";

const TS_URL = /^file:.*\.m?ts(\?.*)?$/;

export const resolve: ResolveHook = async (specifier, context, next) => {
  try {
    return await next(specifier, context);
  } catch (e) {
    const fromTs = context.parentURL !== undefined && TS_URL.test(context.parentURL);
    if (!fromTs || !/^\.{1,2}\/.*\.m?js$/.test(specifier)) throw e;
    try {
      return await next(specifier.replace(/js$/, "ts"), context);
    } catch {
      throw e;
    }
  }
};

export const load: LoadHook = async (url, context, next) => {
  if (!TS_URL.test(url) || url.includes("/node_modules/")) return next(url, context);
  const path = fileURLToPath(url.replace(/\?.*$/, ""));
  const out = await transpileTs(readFileSync(path, "utf8"), path);
  if ("error" in out) throw new SyntaxError(`${path}${out.at}: TypeScript syntax error: ${out.error}`);
  return { format: "module", source: out.code, shortCircuit: true };
};
