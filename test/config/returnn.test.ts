import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { checkTopLevelKeys } from "../../src/config/keys.js";
import { parsePythonConfig } from "../../src/config/pyparse.js";

const FIXTURE = "test/fixtures/config/transformer.config";

const expected = {
  task: "train",
  use_tensorflow: true,
  device: "cpu",
  debug_mode: false,
  random_seed: 7,
  log_verbosity: 4,
  target: "classes",
  extern_data: {
    data: { dim: 24, sparse: true, shape: [null] },
    classes: { dim: 24, sparse: true, shape: [null], available_for_inference: false },
  },
  train: {
    class: "synthetic",
    task: "reverse",
    num_seqs: 400,
    vocab_size: 24,
    min_len: 3,
    max_len: 10,
    seed: 1,
  },
  dev: {
    class: "synthetic",
    task: "reverse",
    num_seqs: 50,
    vocab_size: 24,
    min_len: 3,
    max_len: 10,
    seed: 2,
  },
  batching: "random",
  batch_size: 400,
  max_seqs: 32,
  max_seq_length: { classes: 75 },
  num_epochs: 2,
  model: "runs/transformer/net-model/network",
  save_interval: 1,
  cleanup_old_models: { keep_last_n: 2, keep_best_n: 1, keep: [2] },
  optimizer: { class: "adam", epsilon: 1e-8 },
  learning_rate: 1e-4,
  learning_rates: [0.0002, 0.0003, 0.0004, 0.0005],
  min_learning_rate: 2e-6,
  learning_rate_control: "newbob_multi_epoch",
  learning_rate_control_error_measure: "dev_score_output",
  learning_rate_control_relative_error_relative_lr: true,
  learning_rate_control_min_num_epochs_per_new_lr: 3,
  learning_rate_file: "runs/transformer/newbob.data",
  newbob_multi_num_epochs: 2,
  newbob_multi_update_interval: 1,
  newbob_relative_error_threshold: -0.01,
  newbob_learning_rate_decay: 0.7,
  gradient_clip_global_norm: 5,
  accum_grad_multiple_step: 2,
  pretrain: { repetitions: 1, construction_algo: "from_output" },
  beam_size: 12,
  search_output_layer: "decision",
  network: {
    source_embed_raw: { class: "linear", activation: null, with_bias: false, from: ["data:data"], n_out: 32 },
    source_embed_weighted: {
      class: "eval",
      from: ["source_embed_raw"],
      eval: "source(0) * 5.656854249492381",
    },
    source_embed_with_pos: {
      class: "positional_encoding",
      add_to_input: true,
      from: ["source_embed_weighted"],
    },
    source_embed: { class: "dropout", from: ["source_embed_with_pos"], dropout: 0.1 },
    enc_01_self_att_laynorm: { class: "layer_norm", from: ["source_embed"] },
    enc_01_self_att_att: {
      class: "self_attention",
      num_heads: 4,
      total_key_dim: 32,
      n_out: 32,
      from: ["enc_01_self_att_laynorm"],
      attention_left_only: false,
      attention_dropout: 0.1,
      forward_weights_init: "variance_scaling_initializer(mode='fan_in', distribution='uniform', scale=1.0)",
    },
    enc_01_self_att_drop: { class: "dropout", from: ["enc_01_self_att_att"], dropout: 0.1 },
    enc_01_self_att_out: {
      class: "combine",
      kind: "add",
      from: ["enc_01_self_att_drop", "source_embed"],
      n_out: 32,
    },
    encoder: { class: "layer_norm", from: ["enc_01_self_att_out"] },
    output: {
      class: "rec",
      from: [],
      target: "classes",
      max_seq_len: "max_len_from('base:encoder') * 3",
      unit: {
        output: {
          class: "choice",
          target: "classes",
          beam_size: 12,
          from: ["output_prob"],
          initial_output: 0,
        },
        end: { class: "compare", from: ["output"], value: 0 },
        target_embed: {
          class: "linear",
          activation: null,
          with_bias: false,
          from: ["output"],
          n_out: 32,
          initial_output: 0,
        },
        dec_01_att: { class: "dot_attention", base: "base:encoder", from: ["target_embed"] },
        output_prob: {
          class: "softmax",
          from: ["dec_01_att"],
          dropout: 0,
          target: "classes",
          loss: "ce",
          loss_opts: { label_smoothing: 0.1 },
        },
      },
    },
    decision: {
      class: "decision",
      from: ["output"],
      loss: "edit_distance",
      target: "classes",
      loss_opts: {},
    },
  },
};

test("a RETURNN Transformer config parses to the expected object", () => {
  const cfg = parsePythonConfig(readFileSync(FIXTURE, "utf8"), FIXTURE);
  assert.deepEqual(cfg, expected);
});

test("the RETURNN Transformer config keeps the assignment order of its keys", () => {
  const cfg = parsePythonConfig(readFileSync(FIXTURE, "utf8"), FIXTURE);
  assert.deepEqual(Object.keys(cfg), Object.keys(expected));
});

test("the RETURNN Transformer config uses only known top-level keys", () => {
  const cfg = parsePythonConfig(readFileSync(FIXTURE, "utf8"), FIXTURE);
  assert.doesNotThrow(() => checkTopLevelKeys(cfg, FIXTURE));
});
