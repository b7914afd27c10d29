/**
 * The table of docs/gradient-checks.md, read from the sources: every layer
 * class (registerLayer("…") under src/layers) and loss (registerLoss("…") under
 * src/losses), and which test files check its gradient by central differences.
 *
 * A test counts as a gradient check of a layer when its body calls gradCheck or
 * layerGradCheck and either runs the layer with runLayer("name", …) or names it
 * in a tag `gradcheck layer:name` (several: `gradcheck layer:a layer:b`) — so new
 * layers (lstm, conv, ctc, …) and their tests are picked up without editing
 * this file. Losses and ops count through tags (`gradcheck loss:ce`, `gradcheck
 * op:matmul`). Ops are listed only where tagged (not enumerated). A test tagged
 * `nograd loss:name` shows that the loss has no gradient by design (an error
 * measure) and counts as covering it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p, suffix) : p.endsWith(suffix) ? [p] : [];
    })
    .sort();
}

const registered = (dir: string, fn: string): string[] =>
  [
    ...new Set(
      files(dir, ".ts").flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(new RegExp(`${fn}\\("([\\w-]+)"`, "g"))].map((m) => m[1]),
      ),
    ),
  ].sort();

/** "kind:name" → the test files that check it. */
export function gradientChecks(root = "."): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (key: string, file: string) => {
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(file);
  };
  for (const file of files(join(root, "test"), ".test.ts")) {
    const rel = relative(root, file);
    // Each test(...) call up to the next one.
    const blocks = readFileSync(file, "utf8").split(/\n(?=\s*test\()/);
    for (const block of blocks) {
      for (const tag of block.matchAll(/nograd((?: (?:layer|loss|op):[\w-]+)+)/g))
        for (const key of tag[1].trim().split(" ")) add(`${key} (no gradient by design)`, rel);
      if (!/\b(layerGradCheck|gradCheck)\(/.test(block)) continue;
      for (const m of block.matchAll(/runLayer\("([\w-]+)"/g)) add(`layer:${m[1]}`, rel);
      for (const tag of block.matchAll(/gradcheck((?: (?:layer|loss|op):[\w-]+)+)/g))
        for (const key of tag[1].trim().split(" ")) add(key, rel);
    }
  }
  return out;
}

export function gradientChecksMarkdown(root = "."): string {
  const checks = gradientChecks(root);
  const rows: string[] = [];
  const gaps: string[] = [];
  const row = (kind: string, name: string) => {
    const checked = checks.get(`${kind}:${name}`);
    const none = checks.get(`${kind}:${name} (no gradient by design)`);
    const list = (s: Set<string>) => [...s].map((f) => `\`${f}\``).join(", ");
    if (!checked && !none) gaps.push(`${kind} \`${name}\``);
    const cell = checked ? list(checked) : none ? `no gradient by design: ${list(none)}` : "**none**";
    rows.push(`| ${kind} | \`${name}\` | ${cell} |`);
  };
  for (const name of registered(join(root, "src/layers"), "registerLayer")) row("layer", name);
  for (const name of registered(join(root, "src/losses"), "registerLoss")) row("loss", name);
  const ops = [...checks.keys()].filter((k) => k.startsWith("op:")).map((k) => k.slice(3));
  for (const name of ops.sort()) row("op", name);
  return [
    "| kind | name | gradient checked in |",
    "|---|---|---|",
    ...rows,
    "",
    gaps.length === 0 ? "Gaps: none." : `Gaps (no gradient check): ${gaps.join(", ")}.`,
    "",
  ].join("\n");
}
