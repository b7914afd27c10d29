/**
 * The reference training step of the performance issue as a RETURNN-style
 * config, in the style of examples/transformer-base.json: Transformer
 * encoder-decoder, vocab 8000, d_model 256, 4 heads, FF 1024, 3 + 3 layers,
 * pre-norm, dropout 0.1 (also on attention weights), label-smoothed CE 0.1.
 *
 * Tying: source embedding, target embedding and output layer (without bias)
 * share one matrix, as in the PyTorch reference (`reuse_params`; the output
 * layer uses the [V, d] embedding transposed).
 *
 * The `decision` layer of the example is left out: the benchmark times a
 * training step, not search.
 */

export interface ReferenceShape {
  vocab: number;
  dModel: number;
  heads: number;
  ff: number;
  encLayers: number;
  decLayers: number;
  dropout: number;
  labelSmoothing: number;
}

export const referenceShape: ReferenceShape = {
  vocab: 8000,
  dModel: 256,
  heads: 4,
  ff: 1024,
  encLayers: 3,
  decLayers: 3,
  dropout: 0.1,
  labelSmoothing: 0.1,
};

/** Batch of the reference step: 32 sequences × 25 tokens on both sides. */
export const referenceBatch = { sequences: 32, length: 25 };

/**
 * Forward matmul FLOPs of one step, the formula of torch_step_bench.py; a step
 * (forward + backward) counts 3× this — 36.8 GFLOP for the reference shape.
 */
export function stepFlops(s: ReferenceShape = referenceShape, b = referenceBatch): number {
  const { dModel: d, ff, vocab: V } = s;
  const T = b.length;
  const enc = s.encLayers * (2 * T * d * 3 * d + 2 * T * T * d * 2 + 2 * T * d * d + 2 * T * d * ff * 2);
  const dec =
    s.decLayers *
    (2 * T * d * 3 * d +
      2 * T * T * d * 2 +
      2 * T * d * d +
      2 * T * d * d +
      2 * T * d * 2 * d +
      2 * T * T * d * 2 +
      2 * T * d * d +
      2 * T * d * ff * 2);
  return 3 * b.sequences * (enc + dec + 2 * T * d * V);
}

type Layer = Record<string, unknown>;

const pad = (i: number) => String(i).padStart(2, "0");

/** Pre-norm residual block: x → layer_norm → body → dropout → x + ·. Returns the output name. */
function residual(
  net: Record<string, Layer>,
  name: string,
  input: string,
  body: (normed: string) => string,
  dropout: number,
): string {
  net[`${name}_laynorm`] = { class: "layer_norm", from: [input] };
  const out = body(`${name}_laynorm`);
  net[`${name}_drop`] = { class: "dropout", from: [out], dropout };
  net[`${name}_out`] = { class: "combine", kind: "add", from: [input, `${name}_drop`] };
  return `${name}_out`;
}

function selfAttention(
  net: Record<string, Layer>,
  name: string,
  input: string,
  s: ReferenceShape,
  leftOnly: boolean,
): string {
  return residual(
    net,
    `${name}_self_att`,
    input,
    (x) => {
      net[`${name}_self_att_att`] = {
        class: "self_attention",
        from: [x],
        n_out: s.dModel,
        num_heads: s.heads,
        total_key_dim: s.dModel,
        attention_left_only: leftOnly,
        attention_dropout: s.dropout,
      };
      net[`${name}_self_att_lin`] = {
        class: "linear",
        activation: null,
        with_bias: false,
        from: [`${name}_self_att_att`],
        n_out: s.dModel,
      };
      return `${name}_self_att_lin`;
    },
    s.dropout,
  );
}

function feedForward(net: Record<string, Layer>, name: string, input: string, s: ReferenceShape): string {
  return residual(
    net,
    `${name}_ff`,
    input,
    (x) => {
      net[`${name}_ff_conv1`] = {
        class: "linear",
        activation: "relu",
        with_bias: true,
        from: [x],
        n_out: s.ff,
      };
      net[`${name}_ff_conv2`] = {
        class: "linear",
        activation: null,
        with_bias: true,
        from: [`${name}_ff_conv1`],
        n_out: s.dModel,
        dropout: s.dropout,
      };
      return `${name}_ff_conv2`;
    },
    s.dropout,
  );
}

function embedding(
  net: Record<string, Layer>,
  prefix: string,
  input: string,
  s: ReferenceShape,
  reuse?: string,
) {
  net[`${prefix}_embed_raw`] = {
    class: "linear",
    activation: null,
    with_bias: false,
    from: [input],
    n_out: s.dModel,
    ...(reuse ? { reuse_params: reuse } : {}),
  };
  net[`${prefix}_embed_weighted`] = {
    class: "eval",
    from: [`${prefix}_embed_raw`],
    eval: `source(0) * ${Math.sqrt(s.dModel)}`,
  };
  net[`${prefix}_embed_with_pos`] = {
    class: "positional_encoding",
    add_to_input: true,
    from: [`${prefix}_embed_weighted`],
  };
  net[`${prefix}_embed`] = { class: "dropout", from: [`${prefix}_embed_with_pos`], dropout: s.dropout };
  return `${prefix}_embed`;
}

/** The network dict of the reference model. */
export function referenceNetwork(s: ReferenceShape = referenceShape): Record<string, Layer> {
  const kh = s.dModel / s.heads;
  const net: Record<string, Layer> = {};
  let x = embedding(net, "source", "data:data", s);
  for (let i = 1; i <= s.encLayers; i++) {
    const name = `enc_${pad(i)}`;
    x = selfAttention(net, name, x, s, false);
    x = feedForward(net, name, x, s);
    net[name] = { class: "copy", from: [x] };
    x = name;
  }
  net.encoder = { class: "layer_norm", from: [x] };
  for (let i = 1; i <= s.decLayers; i++) {
    for (const kind of ["key", "value"]) {
      net[`enc_${pad(i)}_att_${kind}0`] = {
        class: "linear",
        activation: null,
        with_bias: false,
        from: ["encoder"],
        n_out: s.dModel,
      };
      net[`enc_${pad(i)}_att_${kind}`] = {
        class: "split_dims",
        axis: "F",
        dims: [s.heads, kh],
        from: [`enc_${pad(i)}_att_${kind}0`],
      };
    }
  }

  const unit: Record<string, Layer> = {
    output: { class: "choice", target: "classes", beam_size: 4, from: ["output_prob"], initial_output: 0 },
    end: { class: "compare", from: ["output"], value: 0 },
  };
  let y = embedding(unit, "target", "prev:output", s, "base:source_embed_raw");
  for (let i = 1; i <= s.decLayers; i++) {
    const name = `dec_${pad(i)}`;
    y = selfAttention(unit, name, y, s, true);
    y = residual(
      unit,
      `${name}_att`,
      y,
      (q) => {
        unit[`${name}_att_query0`] = {
          class: "linear",
          activation: null,
          with_bias: false,
          from: [q],
          n_out: s.dModel,
        };
        unit[`${name}_att_query`] = {
          class: "split_dims",
          axis: "F",
          dims: [s.heads, kh],
          from: [`${name}_att_query0`],
        };
        unit[`${name}_att_energy`] = {
          class: "dot",
          red1: -1,
          red2: -1,
          var1: "T",
          var2: "T?",
          from: [`base:enc_${pad(i)}_att_key`, `${name}_att_query`],
        };
        unit[`${name}_att_weights`] = {
          class: "softmax_over_spatial",
          from: [`${name}_att_energy`],
          energy_factor: kh ** -0.5,
        };
        unit[`${name}_att_weights_drop`] = {
          class: "dropout",
          dropout_noise_shape: { "*": null },
          from: [`${name}_att_weights`],
          dropout: s.dropout,
        };
        unit[`${name}_att0`] = {
          class: "generic_attention",
          weights: `${name}_att_weights_drop`,
          base: `base:enc_${pad(i)}_att_value`,
        };
        unit[`${name}_att_att`] = { class: "merge_dims", axes: "static", from: [`${name}_att0`] };
        unit[`${name}_att_lin`] = {
          class: "linear",
          activation: null,
          with_bias: false,
          from: [`${name}_att_att`],
          n_out: s.dModel,
        };
        return `${name}_att_lin`;
      },
      s.dropout,
    );
    y = feedForward(unit, name, y, s);
    unit[name] = { class: "copy", from: [y] };
    y = name;
  }
  unit.decoder = { class: "layer_norm", from: [y] };
  unit.output_prob = {
    class: "softmax",
    from: ["decoder"],
    with_bias: false,
    reuse_params: { map: { W: { reuse_layer: "base:source_embed_raw", transpose: true } } },
    dropout: 0.0,
    target: "classes",
    loss: "ce",
    loss_opts: { label_smoothing: s.labelSmoothing },
  };
  net.output = {
    class: "rec",
    from: [],
    unit,
    target: "classes",
    max_seq_len: "max_len_from('base:encoder') * 3",
  };
  return net;
}

/** The whole config (as a user would write it) for the reference model. */
export function referenceConfig(s: ReferenceShape = referenceShape): Record<string, unknown> {
  return {
    task: "train",
    random_seed: 7,
    extern_data: {
      data: { dim: s.vocab, sparse: true },
      classes: { dim: s.vocab, sparse: true },
    },
    optimizer: { class: "adam", epsilon: 1e-9 },
    learning_rate: 5e-4,
    network: referenceNetwork(s),
  };
}
