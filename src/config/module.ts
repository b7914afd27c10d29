import { readFileSync } from "node:fs";
import { register } from "node:module";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ReproError } from "../util/errors.js";
import { describeValue, isPlainObject } from "./plain.js";
import { transpileTs } from "./transpile.js";

/** Extensions loaded as ES modules; `.ts`/`.mts` are transpiled first. */
export const MODULE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"] as const;

let loads = 0;
let hooksRegistered = false;

/**
 * Loads a TS/JS config module and returns its default export, which must be a
 * plain object (it may hold functions). `.ts`/`.mts` files — the config and
 * any TS file it imports, as `./base.ts` or `./base.js` — are transpiled on
 * load by module hooks (ts-hooks.ts; ESM, ES2022, no type check). `file` is
 * the name used in error messages.
 */
export async function loadModuleConfig(absPath: string, file: string): Promise<Record<string, unknown>> {
  const ext = extname(absPath).toLowerCase();
  if (ext === ".ts" || ext === ".mts") {
    // Syntax errors are found here, on this thread, so they name the config's line and column.
    const out = await transpileTs(readFileSync(absPath, "utf8"), absPath);
    if ("error" in out) throw new ReproError(`${file}${out.at}: TypeScript syntax error: ${out.error}`);
    registerTsHooks();
  }
  // The query makes a changed file load afresh instead of from the module cache.
  const ns = await importModule(`${pathToFileURL(absPath).href}?repronet-load=${++loads}`, file, ext);
  if (!("default" in ns) || ns.default === undefined) {
    throw new ReproError(`${file}: the module has no default export (expected \`export default { ... }\`)`);
  }
  let config: unknown = ns.default;
  if (config instanceof Promise) {
    try {
      config = await config;
    } catch (e) {
      throw new ReproError(`${file}: the default export is a promise that rejected: ${firstLine(e)}`);
    }
  }
  if (!isPlainObject(config)) {
    throw new ReproError(`${file}: the default export must be a config object, got ${describeValue(config)}`);
  }
  return ownValues(config, file);
}

const firstLine = (e: unknown): string => String(e instanceof Error ? e.message : e).split("\n")[0];

/**
 * The config's top-level entries as plain data properties: a getter runs once,
 * here, and one that throws is an error naming its key (not a stack trace
 * somewhere in training).
 */
function ownValues(config: Record<string, unknown>, file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(config)) {
    let value: unknown;
    try {
      value = config[key];
    } catch (e) {
      throw new ReproError(`${file}: reading config key "${key}" threw: ${firstLine(e)}`);
    }
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function registerTsHooks(): void {
  if (hooksRegistered) return;
  register(new URL("./ts-hooks.js", import.meta.url));
  hooksRegistered = true;
}

/**
 * `:line:col` of the first syntax error in a JS file, or "": V8 does not expose
 * where a module failed to parse, so the TypeScript parser finds it.
 */
async function jsSyntaxErrorAt(absPath: string): Promise<string> {
  try {
    const out = await transpileTs(readFileSync(absPath, "utf8"), absPath.replace(/\.m?js$/i, ".mjs"), true);
    return "error" in out ? out.at : "";
  } catch {
    return "";
  }
}

/** Imports a module; failures (syntax errors, throws at load, missing imports) become one-line ReproErrors. */
async function importModule(url: string, file: string, ext: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const plainUrl = url.replace(/\?.*$/, "");
    const clean = (s: string) => s.replaceAll(plainUrl, file).replaceAll(fileURLToPath(plainUrl), file);
    const isJs = ext === ".js" || ext === ".mjs";
    const at = err instanceof SyntaxError && isJs ? await jsSyntaxErrorAt(fileURLToPath(plainUrl)) : "";
    const first = clean(err.message.split("\n")[0]);
    throw new ReproError(`${file}${at}: failed to load the config module: ${err.name}: ${first}`);
  }
}
