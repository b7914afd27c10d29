/** Subword vocabularies: SentencePiece-style BPE learned on raw text, and its vocab files. */
export * from "./bpe.js";
export * from "./file.js";
export * from "./learn.js";
export { compareCodePoints, META } from "./segment.js";
