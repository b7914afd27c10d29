/**
 * The native kernels' determinism contract: outputs are bitwise identical for
 * any thread count (each output element is computed by one thread in one fixed
 * order), in one process and across processes; and kernel selection: explicit
 * choice, the env override, the one-time fallback notice.
 *
 * The kernel checks are skipped when the addon is not built.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { kernels, selectKernels, setKernels } from "../../src/kernels/active.js";
import { jsKernels } from "../../src/kernels/js/index.js";
import type { AttentionSpec, CrossAttentionSpec, Kernels } from "../../src/kernels/kernels.js";
import { nativeKernels } from "../../src/kernels/native/index.js";
import { ReproError } from "../../src/util/errors.js";
import { testRandom } from "../helpers/gradcheck.js";

const nk = nativeKernels();
const skip = nk === null ? "native addon not built" : false;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}
const randInt = (n: number, bound: number, seed: number): Int32Array => {
  const r = testRandom(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * bound));
};

function bits(xs: (Float32Array | Int32Array)[]): string[] {
  return xs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("base64"));
}

/** Runs `f` with 1, 2 and 3 threads and asserts all outputs are bitwise equal. */
function invariant(what: string, f: () => (Float32Array | Int32Array)[]): void {
  const before = nk!.threads();
  try {
    const results = [1, 2, 3].map((t) => {
      nk!.setThreads(t);
      return bits(f());
    });
    assert.deepEqual(results[1], results[0], `${what}: 2 threads differ from 1`);
    assert.deepEqual(results[2], results[0], `${what}: 3 threads differ from 1`);
  } finally {
    nk!.setThreads(before);
  }
}

test("native thread invariance: matmul (all transposes, batched, shared operand)", { skip }, () => {
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    invariant(`matmul tA=${transA} tB=${transB}`, () => {
      const a = rand(300 * 517, 1);
      const b = rand(517 * 290, 2);
      const out = new Float32Array(300 * 290);
      nk!.matmul(a, b, out, {
        batch: 1,
        m: 300,
        n: 290,
        k: 517,
        transA,
        transB,
        aBatchStride: 0,
        bBatchStride: 0,
      });
      const bo = new Float32Array(40 * 25 * 25);
      const qa = rand(40 * 25 * 64, 3);
      const kb = rand(40 * 25 * 64, 4);
      nk!.matmul(qa, kb, bo, {
        batch: 40,
        m: 25,
        n: 25,
        k: 64,
        transA,
        transB,
        aBatchStride: 25 * 64,
        bBatchStride: 0,
      });
      return [out, bo];
    });
  }
});

test("native thread invariance: sum, max, element-wise with broadcast, strided copy", { skip }, () => {
  invariant("reductions and element-wise", () => {
    const x = rand(800 * 1024, 5);
    const s1 = new Float32Array(1024);
    nk!.sum(x, s1, 1, 800, 1024);
    const s2 = new Float32Array(800);
    nk!.sum(x, s2, 800, 1024, 1);
    const m = new Float32Array(1024);
    const arg = new Int32Array(1024);
    nk!.max(x, m, arg, 1, 800, 1024);
    const b = rand(1024, 6);
    const y = new Float32Array(800 * 1024);
    nk!.binary("gelu_grad", x, [1024, 1], b, [0, 1], y, [800, 1024]);
    const t = new Float32Array(800 * 1024);
    nk!.copy(x, 0, [1, 1024], t, 0, [800, 1], [1024, 800]);
    const u = new Float32Array(800 * 1024);
    nk!.unary("tanh", x, u);
    return [s1, s2, m, arg, y, t, u];
  });
});

test("native thread invariance: softmax, layer norm backward (dgamma/dbeta), cross-entropy", { skip }, () => {
  invariant("nn kernels", () => {
    const rows = 800;
    const x = rand(rows * 256, 7, -3, 3);
    const gamma = rand(256, 8);
    const gy = rand(rows * 256, 9);
    const mean = new Float32Array(rows);
    const rstd = new Float32Array(rows);
    const y = new Float32Array(rows * 256);
    nk!.layerNorm(x, gamma, gamma, y, mean, rstd, rows, 256, 1e-6);
    const dx = new Float32Array(rows * 256);
    const dg = new Float32Array(256);
    const db = new Float32Array(256);
    nk!.layerNormBackward(x, gamma, mean, rstd, gy, dx, dg, db, rows, 256);
    const sm = new Float32Array(rows * 256);
    nk!.softmax(x, sm, rows, 256, false);
    const gs = new Float32Array(rows * 256);
    nk!.softmaxBackward(sm, gy, gs, rows, 256, false);
    const logits = rand(200 * 8000, 10, -5, 5);
    const labels = randInt(200, 8000, 11);
    const loss = new Float32Array(200);
    const probs = new Float32Array(200 * 8000);
    nk!.crossEntropy(logits, labels, loss, probs, 200, 8000, 0.1);
    const dl = new Float32Array(200 * 8000);
    nk!.crossEntropyBackward(probs, labels, rand(200, 12), dl, 200, 8000, 0.1);
    return [y, mean, rstd, dx, dg, db, sm, gs, loss, probs, dl];
  });
});

test("native thread invariance: gather, scatter-add with repeated indices, adam, philox words", {
  skip,
}, () => {
  invariant("gather/scatter/adam", () => {
    const idx = randInt(800, 8000, 13);
    idx[5] = idx[6] = idx[7];
    const table = rand(8000 * 256, 14);
    const g = new Float32Array(800 * 256);
    nk!.gather(table, idx, g, 1, 8000, 256);
    const gx = new Float32Array(8000 * 256);
    nk!.scatterAdd(rand(800 * 256, 15), idx, gx, 1, 8000, 256);
    const p = rand(300000, 16);
    const mm = new Float32Array(300000);
    const vv = new Float32Array(300000);
    nk!.adam(p, rand(300000, 17), mm, vv, {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.98,
      epsilon: 1e-9,
      step: 1,
      weightDecay: 0,
    });
    const words = new Uint32Array(100001);
    nk!.philoxWords(1, 2, 0, 3, 5, words);
    return [g, gx, p, mm, vv, new Int32Array(words.buffer)];
  });
});

test("native thread invariance: fused attention forward and backward", { skip }, () => {
  invariant("attention", () => {
    const spec: AttentionSpec = {
      n: 32,
      heads: 4,
      tq: 25,
      tk: 25,
      dk: 64,
      dv: 64,
      lengths: randInt(32, 26, 18),
      rowsPerLength: 1,
      scale: 0.125,
      causal: true,
    };
    const q = rand(32 * 4 * 25 * 64, 19);
    const k = rand(32 * 4 * 25 * 64, 20);
    const v = rand(32 * 4 * 25 * 64, 21);
    const out = new Float32Array(q.length);
    const probs = new Float32Array(32 * 4 * 25 * 25);
    nk!.attention(q, k, v, null, out, probs, spec);
    const gq = new Float32Array(q.length);
    const gk = new Float32Array(q.length);
    const gv = new Float32Array(q.length);
    nk!.attentionBackward(q, k, v, null, probs, rand(q.length, 22), gq, gk, gv, spec);
    return [out, probs, gq, gk, gv];
  });
});

test("native thread invariance: fused cross-attention forward and backward", { skip }, () => {
  invariant("crossAttention", () => {
    const spec: CrossAttentionSpec = {
      batch: 32,
      heads: 4,
      tq: 24,
      tk: 25,
      dk: 64,
      dv: 64,
      qLengths: randInt(32, 25, 23),
      kLengths: randInt(32, 26, 24),
      factor: 0.125,
    };
    const q = rand(32 * 24 * 4 * 64, 25);
    const k = rand(32 * 25 * 4 * 64, 26);
    const v = rand(32 * 25 * 4 * 64, 27);
    const drop = Float32Array.from(rand(32 * 24 * 4 * 25, 28), (u) => (u > -0.8 ? 1.1 : 0));
    const out = new Float32Array(q.length);
    const probs = new Float32Array(32 * 4 * 24 * 25);
    nk!.crossAttention(q, k, v, drop, out, probs, spec);
    const [gq, gk, gv] = [q, k, v].map((x) => new Float32Array(x.length));
    nk!.crossAttentionBackward(q, k, v, drop, probs, rand(q.length, 29), gq, gk, gv, spec);
    return [out, probs, gq, gk, gv];
  });
});

// --- across processes: a small training run, fingerprinted ---------------------------------------

const mod = (p: string): string => JSON.stringify(new URL(p, import.meta.url).href);

/**
 * A child process that trains a layer-normed two-layer net big enough for the
 * thread pool (batch 256, widths 300→512→1000, label-smoothed CE, Adam) for 4
 * steps, printing the kernel name and a hash of all parameters.
 */
function childFingerprint(env: Record<string, string>): string {
  const code = `
    const { kernels } = await import(${mod("../../src/kernels/active.js")});
    const ops = await import(${mod("../../src/tensor/ops/index.js")});
    const { valueAndGrads } = await import(${mod("../../src/tensor/tape.js")});
    const { Tensor, keep, tidy } = await import(${mod("../../src/tensor/tensor.js")});
    const { KeyedStream } = await import(${mod("../../src/rng/keyed.js")});
    const { adamUpdate, newAdamSlots } = await import(${mod("../../src/optim/adam.js")});
    const { fingerprintParams } = await import(${mod("../../src/rundir/fingerprint.js")});
    const shapes = { W1: [300, 512], g: [512], b: [512], W2: [512, 1000] };
    const names = Object.keys(shapes).sort();
    const params = names.map((n) => keep(new Tensor(shapes[n], n === "g" ? new Float32Array(512).fill(1)
      : new KeyedStream(5, n).normal(shapes[n].reduce((a, b) => a * b, 1)).map((v) => v * 0.05))));
    const slots = params.map((p) => newAdamSlots(p.size));
    const at = (n) => params[names.indexOf(n)];
    for (let step = 0; step < 4; step++) tidy(() => {
      const x = new Tensor([256, 300], new KeyedStream(5, "x", step).normal(256 * 300));
      const y = new Tensor([256], Int32Array.from(new KeyedStream(5, "y", step).uint32(256), (u) => u % 1000));
      const { grads } = valueAndGrads(() => {
        const h = ops.relu(ops.layerNorm(ops.matmul(x, at("W1")), at("g"), at("b")));
        return ops.mean(ops.sparseCrossEntropy(ops.matmul(h, at("W2")), y, 0.1));
      }, params);
      params.forEach((p, i) => grads[i] && adamUpdate(p, grads[i], slots[i], 1e-3, step + 1));
    });
    const fp = fingerprintParams(names.map((n, i) => [n, { shape: params[i].shape, data: params[i].f32 }]));
    process.stdout.write(kernels().name + " " + fp.digest + "\\n");
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("native: processes with 1, 2 and 3 threads train to the same fingerprint", { skip }, () => {
  const a = childFingerprint({ REPRONET_KERNELS: "native", REPRONET_THREADS: "1" });
  assert.match(a, /^native sha256:[0-9a-f]{64}$/);
  assert.equal(childFingerprint({ REPRONET_KERNELS: "native", REPRONET_THREADS: "2" }), a);
  assert.equal(childFingerprint({ REPRONET_KERNELS: "native", REPRONET_THREADS: "3" }), a);
});

// --- selection ---------------------------------------------------------------------------------

test("selectKernels: js and native by name, threads applied, unknown names and bad thread counts rejected", () => {
  const before: Kernels = kernels();
  try {
    assert.equal(selectKernels("js"), jsKernels);
    assert.equal(kernels(), jsKernels);
    if (nk !== null) {
      const k = selectKernels("native", 3);
      assert.equal(k.name, "native");
      assert.equal(nk.threads(), 3);
      assert.equal(kernels(), k);
    }
    assert.throws(() => selectKernels("gpu" as "js"), ReproError);
    assert.throws(() => selectKernels("auto", 0), ReproError);
  } finally {
    setKernels(before);
  }
});

/** Runs a child that selects kernels as the env says, does one op twice, and prints the kernel name. */
function childSelect(env: Record<string, string>) {
  const code = `
    const { kernels } = await import(${mod("../../src/kernels/active.js")});
    const ops = await import(${mod("../../src/tensor/ops/index.js")});
    const { tensor } = await import(${mod("../../src/tensor/tensor.js")});
    ops.add(tensor([1, 2]), tensor([3, 4]));
    ops.add(tensor([1, 2]), tensor([3, 4]));
    process.stdout.write(kernels().name);
  `;
  return spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, REPRONET_KERNELS: "", ...env },
  });
}

test("without the addon, the default falls back to js and says so once on stderr", () => {
  const r = childSelect({ REPRONET_NATIVE_ADDON: "/nonexistent/repronet_native.node" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "js");
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    /^repronet: native kernels unavailable \(.*not found.*\); using the pure-TypeScript kernels$/,
  );
});

test("REPRONET_KERNELS=native without the addon is an error naming the cause; =js is silent", () => {
  const r = childSelect({
    REPRONET_NATIVE_ADDON: "/nonexistent/repronet_native.node",
    REPRONET_KERNELS: "native",
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /native kernels unavailable: \/nonexistent\/repronet_native\.node not found/);
  const j = childSelect({ REPRONET_KERNELS: "js" });
  assert.equal(j.status, 0, j.stderr);
  assert.equal(j.stdout, "js");
  assert.equal(j.stderr, "");
});

test("with the addon built, the default kernels are native", { skip }, () => {
  const r = childSelect({});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "native");
  assert.equal(r.stderr, "");
});
