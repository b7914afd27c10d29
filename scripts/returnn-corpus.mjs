#!/usr/bin/env node
// Measures how far RETURNN configs get: for every config file in DIR,
// `repronet import`, then `repronet train` for 1 epoch on the random
// synthetic task shaped by the config's own extern_data (a few tiny
// sequences). Prints one row per config: import ok / train ok / the first
// error line, then the counts. Usage: npm run returnn-corpus -- DIR [--keep]
// (the corpus stays outside the repository; nothing here is a test).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

const [dir, ...flags] = process.argv.slice(2);
if (!dir) {
  console.error("usage: npm run returnn-corpus -- DIR");
  process.exit(2);
}
const keep = flags.includes("--keep");
const bin = resolve("bin/repronet.js");
const files = readdirSync(dir)
  .filter((f) => /\.(config|py)$/.test(f) && statSync(join(dir, f)).isFile())
  .sort();
const work = mkdtempSync(join(tmpdir(), "returnn-corpus-"));
const run = (args, timeoutS) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: timeoutS * 1000, maxBuffer: 1 << 28 });
  const err = (r.stderr ?? "").split("\n").find((l) => l.startsWith("error:"));
  if (r.error?.code === "ETIMEDOUT") return { ok: false, error: `timeout after ${timeoutS} s` };
  return { ok: r.status === 0, error: r.status === 0 ? "" : (err ?? `exit ${r.status}: ${(r.stderr ?? "").trim().split("\n").pop()}`) };
};

/** The data keys that `ctc` losses (rec units included) take as targets. */
function ctcTargets(net, into = new Set()) {
  for (const layer of Object.values(net ?? {})) {
    if (!layer || typeof layer !== "object") continue;
    if (layer.loss === "ctc" && typeof layer.target === "string") into.add(layer.target.replace(/^data:/, ""));
    if (layer.unit && typeof layer.unit === "object") ctcTargets(layer.unit, into);
  }
  return into;
}

/**
 * Sequence lengths for the random task: dense features 40–60 frames (room for
 * time pooling); labels of CTC targets 3–6; other labels the frames' range
 * when there are dense inputs (framewise targets: keys with one range get one
 * length), else 3–6.
 */
function randomSeqLens(config) {
  const extern = config.extern_data ?? {};
  // As src/config/extern-data.ts reads a key: [dim, ndim] is sparse for ndim 1; else `sparse`, or an int dtype.
  const isDense = (k) => {
    const e = extern[k];
    if (Array.isArray(e)) return e[1] !== 1;
    return !(e?.sparse ?? String(e?.dtype ?? "").startsWith("int"));
  };
  const dense = Object.keys(extern).some((k) => isDense(k));
  const ctc = ctcTargets(config.network);
  return Object.fromEntries(
    Object.keys(extern).map((k) => [k, isDense(k) || (dense && !ctc.has(k)) ? [40, 60] : [3, 6]]),
  );
}

const rows = [];
for (const f of files) {
  const json = join(work, `${basename(f)}.json`);
  const imp = run(["import", join(dir, f), "--out", json], 120);
  let train = { ok: false, error: "" };
  if (imp.ok) {
    const config = JSON.parse(readFileSync(json, "utf8"));
    const seqLen = randomSeqLens(config);
    const dataset = { class: "synthetic", task: "random", num_seqs: 4, seq_len: seqLen };
    const sets = [
      `train=${JSON.stringify(dataset)}`, "dev=null", "eval_datasets={}", "num_epochs=1",
      "batch_size=100", "max_seqs=4", "max_seq_length=0", "log_verbosity=2",
    ];
    train = run(["train", json, "--out", join(work, `${basename(f)}.run`), ...sets.flatMap((s) => ["--set", s])], 300);
    if (!keep) rmSync(join(work, `${basename(f)}.run`), { recursive: true, force: true });
  }
  rows.push({ f, imp, train });
  console.log(`${f} | import ${imp.ok ? "ok" : "FAIL"} | train ${train.ok ? "ok" : imp.ok ? "FAIL" : "-"} | ${imp.error || train.error}`);
}
const nImp = rows.filter((r) => r.imp.ok).length;
const nTrain = rows.filter((r) => r.train.ok).length;
console.log(`\n${files.length} configs: ${nImp} import, ${nTrain} import and train one epoch`);
if (!keep) rmSync(work, { recursive: true, force: true });
else console.log(`kept: ${work}`);
