/**
 * The 2018 recipe of RETURNN's classic attention model on Multi30k: the
 * network of multi30k-lstm-attention.ts with 4 encoder layers and the whole
 * decoder state [c; h] as the attention query (as in 2018), grown by
 * pretraining from 2 layers at half width (`copy_param_mode: "subset"` copies
 * the narrower weights into the wider ones), batches of up to 200 sentences /
 * 5000 tokens, no warm-up — as the 2018 WMT configs train. Measured (README):
 * 7.9 BLEU after 5 epochs (80 min on 2 cores); each inserted encoder layer
 * sets the loss back, and 200-sentence batches give only ~175 updates an epoch.
 */
import reference, { growEncoder, network } from "./multi30k-lstm-attention.ts";

const { learning_rate_warmup_steps: _, ...rest } = reference;

export default {
  ...rest,
  batch_size: 5000,
  max_seqs: 200,
  num_epochs: 7,
  pretrain: { repetitions: 1, copy_param_mode: "subset", construction_algo: growEncoder(4) },
  network: network(4, "*"),
};
