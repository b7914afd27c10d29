import { readFileSync, rmSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeFileAtomic } from "../util/atomic.js";
import { ReproError } from "../util/errors.js";
import { describeValue, isPlainObject } from "./plain.js";

/** Extensions loaded as ES modules; `.ts`/`.mts` are transpiled first. */
export const MODULE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"] as const;

let loads = 0;

/**
 * Loads a TS/JS config module and returns its default export, which must be a
 * plain object (it may hold functions). `.ts`/`.mts` sources are transpiled
 * (ESM, ES2022, no type check) into a hidden temporary `.mjs` next to the
 * config, so relative imports of `.js` files resolve as they would for the
 * source; the temporary file is always removed. `file` is the name used in
 * error messages.
 */
export async function loadModuleConfig(absPath: string, file: string): Promise<Record<string, unknown>> {
  const ext = extname(absPath).toLowerCase();
  const n = ++loads;
  let ns: Record<string, unknown>;
  if (ext === ".ts" || ext === ".mts") {
    const code = await transpile(absPath, file);
    const tmp = join(dirname(absPath), `.${basename(absPath)}.repronet-${process.pid}-${n}.mjs`);
    try {
      try {
        writeFileAtomic(tmp, code);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new ReproError(`${file}: cannot write the transpiled module next to the config (${why})`);
      }
      ns = await importModule(pathToFileURL(tmp).href, file, false);
    } finally {
      rmSync(tmp, { force: true });
    }
  } else {
    // The query makes a changed file load afresh instead of from the module cache.
    ns = await importModule(`${pathToFileURL(absPath).href}?repronet-load=${n}`, file, true);
  }
  if (!("default" in ns) || ns.default === undefined) {
    throw new ReproError(`${file}: the module has no default export (expected \`export default { ... }\`)`);
  }
  if (!isPlainObject(ns.default)) {
    throw new ReproError(
      `${file}: the default export must be a config object, got ${describeValue(ns.default)}`,
    );
  }
  return ns.default;
}

async function transpile(absPath: string, file: string): Promise<string> {
  const ts = (await import("typescript")).default;
  const out = ts.transpileModule(readFileSync(absPath, "utf8"), {
    fileName: absPath,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  const diag = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (diag) {
    const msg = ts.flattenDiagnosticMessageText(diag.messageText, " ");
    throw new ReproError(`${file}${diagnosticAt(diag)}: TypeScript syntax error: ${msg}`);
  }
  return out.outputText;
}

/** `:line:col` of a diagnostic, or "". */
function diagnosticAt(diag: import("typescript").Diagnostic): string {
  if (!diag.file || diag.start === undefined) return "";
  const { line, character } = diag.file.getLineAndCharacterOfPosition(diag.start);
  return `:${line + 1}:${character + 1}`;
}

/**
 * `:line:col` of the first syntax error in a JS file, or "": V8 does not expose
 * where a module failed to parse, so the TypeScript parser finds it.
 */
async function jsSyntaxErrorAt(absPath: string): Promise<string> {
  try {
    const ts = (await import("typescript")).default;
    const out = ts.transpileModule(readFileSync(absPath, "utf8"), {
      fileName: absPath.replace(/\.m?js$/i, ".mjs"),
      reportDiagnostics: true,
      compilerOptions: { allowJs: true, module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    const diag = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
    return diag ? diagnosticAt(diag) : "";
  } catch {
    return "";
  }
}

/** Imports a module; failures (syntax errors, throws at load, missing imports) become one-line ReproErrors. */
async function importModule(url: string, file: string, isSource: boolean): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const plainUrl = url.replace(/\?.*$/, "");
    const clean = (s: string) => s.replaceAll(plainUrl, file).replaceAll(fileURLToPath(plainUrl), file);
    const at = err instanceof SyntaxError && isSource ? await jsSyntaxErrorAt(fileURLToPath(plainUrl)) : "";
    const first = clean(err.message.split("\n")[0]);
    throw new ReproError(`${file}${at}: failed to load the config module: ${err.name}: ${first}`);
  }
}
