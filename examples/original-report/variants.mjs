/**
 * The original report's variants as patches of a Transformer config whose
 * decoder is the rec unit of `output` with attention weights
 * `dec_NN_att_weights` (examples/transformer-base.json,
 * examples/multi30k-transformer.ts):
 *
 * - attention_per_head: per decoder layer and head, the head's attention
 *   weights (`gather` on the heads axis) with an `as_is` loss of scale 0;
 * - per_layer: per decoder layer, a `copy` of the weights with an `as_is` loss of scale 0
 *   (examples/transformer-zero-copy.json);
 * - simplified: per decoder layer, `0.0 * reduce_sum(weights)` as an `as_is` loss
 *   (examples/transformer-zero-eval.json);
 * - pretrain_without_zero_losses: RETURNN pretraining whose first network
 *   lacks the zero losses (one epoch), then the full network.
 *
 * scripts/original-report.mjs writes one small config module per variant that
 * calls `variantConfig`.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** The base config: JSON read as is, a TS/JS module imported (its default export). */
async function loadBase(path) {
  if (path.endsWith(".json")) return JSON.parse(readFileSync(path, "utf8"));
  return (await import(pathToFileURL(path).href)).default;
}

/** A deep copy of plain objects and arrays; functions and other values are kept as they are. */
function clone(v) {
  if (Array.isArray(v)) return v.map(clone);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

const attentionWeights = (unit) => Object.keys(unit).filter((n) => /^dec_\d+_att_weights$/.test(n));

/** Number of heads: the `num_heads` of the decoder's self-attention layers. */
function headsOf(unit) {
  const att = Object.values(unit).find((l) => typeof l.num_heads === "number");
  if (!att) throw new Error("original-report: no decoder self-attention layer with num_heads");
  return att.num_heads;
}

/** The zero-loss layers of a variant, by name. */
export function zeroLossLayers(unit, kind) {
  const layers = {};
  for (const w of attentionWeights(unit)) {
    const p = w.slice(0, -"_att_weights".length);
    if (kind === "per_layer")
      layers[`${p}_weight_loss`] = { class: "copy", from: [w], loss: "as_is", loss_scale: 0 };
    else if (kind === "simplified")
      layers[`${p}_weight_loss`] = {
        class: "eval",
        eval: "0.0 * reduce_sum(source(0))",
        from: [w],
        loss: "as_is",
      };
    else if (kind === "attention_per_head") {
      const heads = headsOf(unit);
      for (let h = 0; h < heads; h++)
        layers[`${p}_att_head${h}_loss`] = {
          class: "gather",
          from: [w],
          axis: `dim:${heads}`,
          position: h,
          loss: "as_is",
          loss_scale: 0,
        };
    } else throw new Error(`original-report: unknown zero_losses "${kind}"`);
  }
  return layers;
}

/** The base config at `basePath` with the variant `opts` applied (see spec.json). */
export async function variantConfig(basePath, opts) {
  const config = clone(await loadBase(basePath));
  if (!opts.zero_losses) return config;
  const unit = config.network.output.unit;
  const added = zeroLossLayers(unit, opts.zero_losses);
  Object.assign(unit, added);
  if (opts.pretrain_without_zero_losses) {
    const names = Object.keys(added);
    config.pretrain = {
      construction_algo: (idx, net) => {
        if (idx > 0) return null;
        for (const n of names) delete net.output.unit[n];
        return net;
      },
    };
  }
  return config;
}
