/**
 * A variant of the reference Multi30k example (not trained or measured yet):
 * with the joint BPE vocab, the source embedding, the target embedding and the
 * output softmax share one matrix ("three-way tying", Press & Wolf 2017),
 * which cuts the parameters by two vocab × d_model matrices. Everything else
 * is imported from the reference, so `repronet diff` between the two configs
 * names exactly these two layer changes.
 */
import reference from "./multi30k-transformer.ts";

type Layer = Record<string, unknown>;
const network = structuredClone(reference.network) as Record<string, Layer>;
const unit = network.output.unit as Record<string, Layer>;
unit.target_embed_raw.reuse_params = "base:source_embed_raw";
unit.output_prob.reuse_params = { map: { W: { reuse_layer: "base:source_embed_raw", transpose: true } } };

export default { ...reference, network };
