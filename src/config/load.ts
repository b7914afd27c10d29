import { readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { ReproError } from "../util/errors.js";
import { parseJsonConfig } from "./json.js";
import { loadModuleConfig, MODULE_EXTENSIONS } from "./module.js";
import { parsePythonConfig } from "./pyparse.js";

export type ConfigFormat = "json" | "module" | "python";

export interface LoadedConfig {
  config: Record<string, unknown>;
  /** Absolute path of the config file. */
  path: string;
  format: ConfigFormat;
}

const SUPPORTED =
  'supported: .json, .ts, .mts, .js, .mjs, .py, .config, or a RETURNN config whose first line is "#!rnn.py" or "#!returnn"';

/**
 * Loads a config file: JSON (`.json`), a TS/JS module (`.ts`, `.mts`, `.js`,
 * `.mjs`; its default export), or a RETURNN-style Python config (`.py`,
 * `.config`, or a `#!rnn.py` / `#!returnn` first line), which is parsed, never
 * executed. A `.config` or extension-less file starting with `{` is JSON, as in
 * RETURNN. Errors are ReproErrors whose message starts with `path` as given.
 * Top-level keys are not checked here (see `checkTopLevelKeys`), so overrides
 * can be applied first.
 */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const abs = resolve(path);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ReproError(`${path}: no such file`);
    throw new ReproError(`${path}: cannot read (${code ?? (e as Error).message})`);
  }
  if (!isFile) throw new ReproError(`${path}: not a regular file`);
  const ext = extname(abs).toLowerCase();
  if ((MODULE_EXTENSIONS as readonly string[]).includes(ext)) {
    return { config: await loadModuleConfig(abs, path), path: abs, format: "module" };
  }
  const text = readText(abs, path);
  if (ext === ".json") return { config: parseJsonConfig(text, path), path: abs, format: "json" };
  if ((ext === ".config" || ext === "") && /^\s*\{/.test(text)) {
    return { config: parseJsonConfig(text, path), path: abs, format: "json" };
  }
  if (ext === ".py" || ext === ".config" || isPythonHeader(text)) {
    return { config: parsePythonConfig(text, path), path: abs, format: "python" };
  }
  throw new ReproError(`${path}: unknown config format "${ext || "(no extension)"}" (${SUPPORTED})`);
}

/** A RETURNN interpreter line: `#!rnn.py`, `#!returnn`, `#!crnn/rnn.py`, `#!/usr/bin/env returnn`, ... */
export function isPythonHeader(text: string): boolean {
  const first = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0];
  return first.startsWith("#!") && /rnn\.py|returnn/.test(first);
}

/** The file as UTF-8 text; invalid UTF-8 is an error naming the line (never silently U+FFFD). */
function readText(abs: string, path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    throw new ReproError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder("utf-8").decode(bytes);
    const line = text.slice(0, text.indexOf("\uFFFD")).split("\n").length;
    throw new ReproError(`${path}: line ${line}: not valid UTF-8`);
  }
}
