/** TypeScript → JavaScript for configs: ESM, ES2022, syntax only (types are not checked). */

export type Transpiled = { code: string } | { error: string; at: string };

/** Transpiles `source`; a syntax error comes back with its `:line:col` (or ""). */
export async function transpileTs(source: string, fileName: string, allowJs = false): Promise<Transpiled> {
  const ts = (await import("typescript")).default;
  const out = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ES2022,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
      ...(allowJs && { allowJs: true }),
    },
  });
  const diag = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (!diag) return { code: out.outputText };
  let at = "";
  if (diag.file && diag.start !== undefined) {
    const { line, character } = diag.file.getLineAndCharacterOfPosition(diag.start);
    at = `:${line + 1}:${character + 1}`;
  }
  return { error: ts.flattenDiagnosticMessageText(diag.messageText, " "), at };
}
