/** Beam search of an attention model over an audio (OggZip) dataset, untrained: the plumbing. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { oggZipDataset } from "../../src/data/audio/ogg-zip.js";
import { encodeWav } from "../../src/data/audio/wav.js";
import { writeZip } from "../../src/data/audio/zip.js";
import { buildNetwork } from "../../src/network/network.js";
import { searchDataset } from "../../src/search/audio.js";
import { hypothesisText } from "../../src/search/run-dir.js";

const work = mkdtempSync(join(tmpdir(), "repronet-search-audio-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("an attention model over dense features searches an OggZip dataset in dataset order; hypotheses decode to text", () => {
  const sr = 8000;
  const tone = (hz: number, n: number) =>
    encodeWav(
      Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sr)),
      sr,
    );
  const lengths = [1200, 400, 800];
  const list = `[${lengths.map((_, i) => `{"file": "${i}.wav", "text": "ab"}`).join(", ")}]`;
  const zip = join(work, "s.zip");
  writeFileSync(
    zip,
    writeZip([
      { name: "s.txt", data: Buffer.from(list) },
      ...lengths.map((n, i) => ({ name: `s/${i}.wav`, data: tone(300 + 200 * i, n) })),
    ]),
  );
  const vocab = join(work, "v.vocab");
  writeFileSync(vocab, "</s>\na\nb\n");
  const dataset = oggZipDataset(
    {
      path: zip,
      audio: { features: "log_mel_filterbank", num_feature_filters: 8 },
      targets: { class: "CharacterTargets", vocab_file: vocab, unknown_label: null, seq_postfix: [0] },
    },
    "dev",
  );
  const config = JSON.parse(readFileSync("examples/transformer-base.json", "utf8"));
  config.extern_data = { data: { dim: 8 }, classes: { dim: 3, sparse: true } };
  const net = buildNetwork(config, "audio-transformer.json");
  const hyps = searchDataset(net, dataset, { maxSeqs: 2, beamSize: 2 });
  assert.equal(hyps.length, 3);
  // Each sequence's result does not depend on its batch: searched alone, the same.
  const alone = searchDataset(net, dataset, { maxSeqs: 1, beamSize: 2 });
  assert.deepEqual(
    alone.map((h) => Array.from(h)),
    hyps.map((h) => Array.from(h)),
  );
  for (const h of hyps) assert.match(hypothesisText(dataset, h), /^[ab]*$/);
});
