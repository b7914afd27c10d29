import type { Kernels } from "../kernels.js";
import { attention, attentionBackward, attentionPacked, attentionPackedBackward } from "./attention.js";
import { crossAttention, crossAttentionBackward } from "./cross-attention.js";
import { ctcLoss } from "./ctc.js";
import { binary, unary, where } from "./elementwise.js";
import { hashBlocks } from "./hash.js";
import { lstmBackward, lstmForward } from "./lstm.js";
import { matmul } from "./matmul.js";
import {
  adam,
  adamMany,
  crossEntropy,
  crossEntropyBackward,
  gather,
  layerNorm,
  layerNormBackward,
  scatterAdd,
  softmax,
  softmaxBackward,
} from "./nn.js";
import { dropoutMaskKernel, philoxWordsKernel } from "./random.js";
import { copy, max, sum } from "./reduce.js";

/** The portable reference kernels: plain TypeScript, single-threaded. */
export const jsKernels: Kernels = {
  name: "js",
  unary,
  binary,
  where,
  matmul,
  sum,
  max,
  copy,
  softmax,
  softmaxBackward,
  layerNorm,
  layerNormBackward,
  crossEntropy,
  crossEntropyBackward,
  gather,
  scatterAdd,
  adam,
  attention,
  attentionBackward,
  philoxWords: philoxWordsKernel,
  dropoutMask: dropoutMaskKernel,
  hashBlocks,
  ctcLoss,
  adamMany,
  lstmForward,
  lstmBackward,
  lstmForwardPair: (a, b) => {
    lstmForward(...a);
    lstmForward(...b);
  },
  lstmBackwardPair: (a, b) => {
    lstmBackward(...a);
    lstmBackward(...b);
  },
  attentionPacked,
  attentionPackedBackward,
  crossAttention,
  crossAttentionBackward,
};
