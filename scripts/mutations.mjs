#!/usr/bin/env node
/**
 * Mutation smoke run (`npm run test:mutations`, not part of `npm test`): applies
 * hand-written mutations to core files one at a time — in a temporary copy of
 * the repository, never the working tree — rebuilds, runs the test files that
 * should notice, and reports each mutation as killed (a test failed) or
 * survived (every test passed: a promise without a test that guards it).
 *
 *   npm run test:mutations                 # all
 *   npm run test:mutations -- drop-mask    # the ones whose id contains "drop-mask"
 *
 * Exit status: 0 when every mutation was killed, 1 otherwise. The native
 * mutation rebuilds the addon in the copy (node-gyp, a minute or two).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

/**
 * id: what breaks; file: where; find → replace: the edit (find must occur);
 * tests: compiled test files (under dist/) that must fail; env: extra environment.
 */
const MUTATIONS = [
  {
    id: "drop-mask: attention ignores the key mask (js kernels)",
    file: "src/kernels/js/attention.ts",
    find: "if (!visible(i, j, len, s.causal)) {\n          probs[pr + j] = MASK;",
    replace: "if (false) {\n          probs[pr + j] = MASK;",
    tests: ["test/tensor/ops/fused.test.js"],
    env: { REPRONET_KERNELS: "js" },
  },
  {
    id: "drop-mask: dropout gradient not multiplied by the mask",
    file: "src/tensor/ops/nn.ts",
    find: '(g) => [unbroadcast(binaryRaw("mul", g, mask), x.shape)]',
    replace: "(g) => [unbroadcast(g, x.shape)]",
    tests: ["test/layers/dropout.test.js"],
  },
  {
    id: "reorder-reduction: js sum over the reduced axis in reverse order",
    file: "src/kernels/js/reduce.ts",
    find: "for (let j = 0; j < len; j++) s += x[base + j];",
    replace: "for (let j = len - 1; j >= 0; j--) s += x[base + j];",
    tests: ["test/kernels/reduction-order.test.js", "test/kernels/js.test.js", "test/kernels/native.test.js"],
  },
  {
    id: "reuse-rng-stream: dropout masks not keyed by layer path",
    file: "src/network/context.ts",
    find: "`dropout/${o.path}/${purpose}${loopStep}`",
    replace: "`dropout/${purpose}${loopStep}`",
    tests: ["test/layers/dropout.test.js"],
  },
  {
    id: "reuse-rng-stream: every parameter drawn from one shared stream",
    file: "src/network/params.ts",
    find: "init(new KeyedStream(this.seed, this.seeding.streamName(name)), shape)",
    replace: 'init(new KeyedStream(this.seed, "params"), shape)',
    tests: ["test/rng/initializers.test.js", "test/layers/linear.test.js"],
  },
  {
    id: "skip-fsync: atomic writes without fsync of the file",
    file: "src/util/atomic.ts",
    find: "    fsyncSync(fd);\n",
    replace: "\n",
    tests: ["test/util/atomic-fsync.test.js", "test/util/atomic.test.js"],
  },
  {
    id: "swap-blocks: Adam's first and second moment decay rates swapped",
    file: "src/kernels/js/nn.ts",
    find: "m[i] = beta1 * m[i] + (1 - beta1) * gi;\n    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;",
    replace: "m[i] = beta2 * m[i] + (1 - beta2) * gi;\n    v[i] = beta1 * v[i] + (1 - beta1) * gi * gi;",
    tests: ["test/optim/adam.test.js"],
    env: { REPRONET_KERNELS: "js" },
  },
  {
    id: "beam back-pointers: every hypothesis continues the first beam",
    file: "src/search/beam.ts",
    find: "        from[out] = c.row;",
    replace: "        from[out] = b * K;",
    tests: ["test/network/search.test.js", "test/search/beam.test.js"],
  },
  {
    id: "search order: results written in length-sorted batch order",
    file: "src/search/decode.ts",
    find: "results[id] = labels[k];",
    replace: "results[start + k] = labels[k];",
    tests: ["test/cli/search.test.js"],
  },
  {
    id: "error measure: the first reported loss (an aux one) steers the learning rate",
    file: "src/train/error-measure.ts",
    find: "  const main = losses.filter((l) => l.inObjective && l.scale !== 0);",
    replace:
      "  if (losses.length > 0) return losses[0];\n  const main = losses.filter((l) => l.inObjective && l.scale !== 0);",
    tests: ["test/train/trainer.test.js"],
  },
  {
    id: "poison pool: reused buffers not poisoned",
    file: "src/tensor/buffer-pool.ts",
    find: "    if (POISON) out.fill(Number.NaN);",
    replace: "",
    tests: ["test/tensor/buffer-pool.test.js"],
  },
  {
    id: "initializer: glorot_uniform limit off by 2^-20",
    file: "src/rng/initializers.ts",
    find: "const limit = Math.sqrt(3 * s);",
    replace: "const limit = Math.sqrt(3 * s) * (1 + 2 ** -20);",
    tests: ["test/layers/linear.test.js"],
  },
  {
    id: "significance: every system's CI from the baseline's resamples",
    file: "src/metrics/significance.ts",
    find: "const { mean, ci } = estimateCi(scoresSys);",
    replace: "const { mean, ci } = estimateCi(scoresBl);",
    tests: ["test/metrics/significance.test.js"],
  },
  {
    id: "isa (native): the AVX-512 exp path calls the C library's exp",
    file: "native/src/vexp.cc",
    find: "__attribute__((target(\"avx512f\"))) void exp_shifted_avx512(const float* x, double shift, double* out, int64_t n) {\n  for (int64_t i = 0; i < n; i++) out[i] = exp_one(double(x[i]) - shift);",
    replace:
      "__attribute__((target(\"avx512f\"))) void exp_shifted_avx512(const float* x, double shift, double* out, int64_t n) {\n  for (int64_t i = 0; i < n; i++) out[i] = __builtin_exp(double(x[i]) - shift);",
    tests: ["test/kernels/native-isa.test.js"],
    native: true,
  },
];

const filter = process.argv[2];
const selected = MUTATIONS.filter((m) => !filter || m.id.includes(filter));

function sh(cmd, args, cwd, env = {}) {
  return spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
}

// The copy: sources, tests and build inputs; node_modules linked, the native build copied.
const work = mkdtempSync(join(tmpdir(), "repronet-mutations-"));
const results = [];
try {
  for (const p of [
    "src",
    "test",
    "bin",
    "examples",
    "scripts",
    "native",
    "build",
    "binding.gyp",
    "package.json",
    "tsconfig.json",
  ])
    cpSync(join(root, p), join(work, p), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

  for (const m of selected) {
    const path = join(work, m.file);
    const original = readFileSync(path, "utf8");
    if (!original.includes(m.find)) {
      results.push({ id: m.id, outcome: "stale (the code to mutate is gone)" });
      continue;
    }
    writeFileSync(path, original.replace(m.find, m.replace));
    let outcome;
    try {
      if (m.native) {
        const b = sh(process.execPath, ["scripts/build-native.mjs", "--verbose"], work);
        if (b.status !== 0) throw new Error(`native build failed: ${b.stderr.slice(-500)}`);
      }
      rmSync(join(work, "dist"), { recursive: true, force: true });
      sh(process.execPath, [tsc, "-p", "tsconfig.json"], work); // type errors still emit
      const files = m.tests.map((t) => join("dist", t));
      const t = sh(process.execPath, ["--test", ...files], work, { REPRONET_POISON_POOL: "1", ...m.env });
      const failed = (t.stdout.match(/^not ok .*/gm) ?? []).map((l) => l.replace(/^not ok \d+ - /, ""));
      outcome = t.status !== 0 ? `killed by: ${failed.join("; ") || "a failing test file"}` : "SURVIVED";
    } finally {
      writeFileSync(path, original);
      if (m.native) sh(process.execPath, ["scripts/build-native.mjs"], work);
    }
    results.push({ id: m.id, outcome });
    console.log(`${outcome.startsWith("killed") ? "killed  " : "SURVIVED"}  ${m.id}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const killed = results.filter((r) => r.outcome.startsWith("killed")).length;
console.log(`\n${killed}/${results.length} mutations killed`);
for (const r of results) if (!r.outcome.startsWith("killed")) console.log(`  not killed: ${r.id} (${r.outcome})`);
process.exitCode = killed === results.length ? 0 : 1;
