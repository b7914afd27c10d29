import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/layers/softmax-over-spatial.js";
import { batchDim, type Data, type Dim, staticDim } from "../../src/network/data.js";
import { ReproError } from "../../src/util/errors.js";
import { testRandom } from "../helpers/gradcheck.js";
import { dataOf, layerGradCheck, maskingCheck, runLayer, timeDimOf } from "../helpers/layer-harness.js";

const rand = (dims: readonly Dim[], seed: number): Data => {
  const r = testRandom(seed);
  return dataOf(
    Float32Array.from({ length: dims.reduce((n, d) => n * d.size, 1) }, () => r() * 4 - 2),
    dims,
  );
};
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-6, `${a} vs ${b}`);

// The reference decoder's energies in training: (B, T_dec loop, H, T_enc).
const B = batchDim(2);
const Tenc = timeDimOf([3, 2], "T_enc");
const Tdec = timeDimOf([2, 1], "T_dec", true);
const H = 4;
const energy = () => rand([B, Tdec, staticDim(H), Tenc], 1);
const factor = 0.3535533905932738;

test("softmax over the time axis; frames beyond the end get exactly 0", () => {
  const x = dataOf([0, Math.LN2, 0, 0, 0, Number.NaN], [batchDim(2), timeDimOf([3, 2])]);
  const y = runLayer("softmax_over_spatial", {}, [x]).value.data;
  [0.25, 0.5, 0.25, 0.5, 0.5].forEach((p, i) => {
    close(y[i], p);
  });
  assert.equal(y[5], 0);
});

test("energy_factor scales the energies before the softmax", () => {
  const x = dataOf([0, Math.LN2, 0], [batchDim(1), timeDimOf([3])]);
  const y = runLayer("softmax_over_spatial", { energy_factor: 2 }, [x]).value.data;
  [1 / 6, 4 / 6, 1 / 6].forEach((p, i) => {
    close(y[i], p);
  });
});

test("with the loop axis it normalises over T_enc, never over the decoder steps", () => {
  const x = energy();
  const y = runLayer("softmax_over_spatial", { energy_factor: factor }, [x]);
  assert.deepEqual(y.dims, x.dims);
  const d = y.value.data;
  const e = x.value.data;
  for (let b = 0; b < 2; b++)
    for (let s = 0; s < 2; s++)
      for (let h = 0; h < H; h++) {
        const row = ((b * 2 + s) * H + h) * 3;
        const len = Tenc.lengths![b];
        let z = 0;
        for (let t = 0; t < len; t++) z += Math.exp(factor * e[row + t]);
        for (let t = 0; t < 3; t++) {
          if (t < len) close(d[row + t], Math.exp(factor * e[row + t]) / z);
          else assert.equal(d[row + t], 0);
        }
      }
});

test("an explicit static axis is normalised without a mask", () => {
  const x = dataOf([0, 0, Math.LN2, Math.log(3)], [batchDim(1), staticDim(2), staticDim(2)]);
  const y = runLayer("softmax_over_spatial", { axis: "static:0" }, [x]).value.data;
  [1 / 3, 1 / 4, 2 / 3, 3 / 4].forEach((p, i) => {
    close(y[i], p);
  });
});

test("softmax_over_spatial passes a finite-difference gradient check", () => {
  layerGradCheck((x) => runLayer("softmax_over_spatial", { energy_factor: factor }, [x]), [energy()]);
});

test("NaN or huge energies beyond the encoder end change no valid weight or gradient", () => {
  maskingCheck((x) => runLayer("softmax_over_spatial", { energy_factor: factor }, [x]), energy());
});

test("option errors name the layer", () => {
  const run = (opts: Record<string, unknown>, inputs: Data[]) => () =>
    runLayer("softmax_over_spatial", opts, inputs, { path: "output/w" });
  const noTime = rand([B, staticDim(3)], 2);
  const isOurs = (re: RegExp) => (e: Error) =>
    e instanceof ReproError && e.message.startsWith("output/w:") && re.test(e.message);
  assert.throws(run({}, [noTime]), isOurs(/axis "T" not found/));
  assert.throws(run({ axis: "B" }, [energy()]), isOurs(/batch axis/));
  assert.throws(run({}, [energy(), energy()]), isOurs(/exactly 1 source/));
  assert.throws(run({ energy_factor: "big" }, [energy()]), isOurs(/energy_factor/));
});
