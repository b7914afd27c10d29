/**
 * sacreBLEU's `TercomTokenizer`: lowercasing (unless case-sensitive), optional
 * Tercom normalisation with Asian-script splitting, optional punctuation removal.
 */
import { pyLower, pyNormalizeSpace } from "./pystr.js";

export interface TercomOptions {
  readonly normalized?: boolean;
  readonly noPunct?: boolean;
  readonly asianSupport?: boolean;
  readonly caseSensitive?: boolean;
}

const ASIAN_PUNCT = /([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])/gu;
const FULL_WIDTH_PUNCT = /([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])/gu;

function normalizeGeneralAndWestern(s: string): string {
  s = s.replaceAll("\n-", "");
  s = s.replaceAll("\n", " ");
  s = s.replaceAll("&quot;", '"');
  s = s.replaceAll("&amp;", "&");
  s = s.replaceAll("&lt;", "<");
  s = s.replaceAll("&gt;", ">");
  s = ` ${s} `;
  s = s.replace(/([{-~[-\x60\x20-&(-+:-@/])/gu, " $1 ");
  s = s.replaceAll("'s ", " 's ");
  s = s.replace(/'s$/u, " 's");
  s = s.replace(/([^0-9])([.,])/gu, "$1 $2 ");
  s = s.replace(/([.,])([^0-9])/gu, " $1 $2");
  s = s.replace(/([0-9])(-)/gu, "$1 $2 ");
  return s;
}

/**
 * Asian-script splitting. sacreBLEU's three kana rules are anchored at the very
 * start of the string (`(^|^[...])...`); after the padding added by the western
 * normalisation the string starts with a space, so they can never match and are
 * left out here.
 */
function normalizeAsian(s: string): string {
  s = s.replace(/([\u4e00-\u9fff\u3400-\u4dbf])/gu, " $1 ");
  s = s.replace(/([\u31c0-\u31ef\u2e80-\u2eff])/gu, " $1 ");
  s = s.replace(/([\u3300-\u33ff\uf900-\ufaff\ufe30-\ufe4f])/gu, " $1 ");
  s = s.replace(/([\u3200-\u3f22])/gu, " $1 ");
  s = s.replace(ASIAN_PUNCT, " $1 ");
  s = s.replace(FULL_WIDTH_PUNCT, " $1 ");
  return s;
}

function removePunct(s: string): string {
  return s.replace(/[.,?:;!"()]/gu, "");
}

function removeAsianPunct(s: string): string {
  return s.replace(ASIAN_PUNCT, "").replace(FULL_WIDTH_PUNCT, "");
}

/** Tokenizes one (already rstripped) line as TER does. */
export function tercomTokenize(s: string, opts: TercomOptions): string {
  if (s === "") return "";
  if (!opts.caseSensitive) s = pyLower(s);
  if (opts.normalized) {
    s = normalizeGeneralAndWestern(s);
    if (opts.asianSupport) s = normalizeAsian(s);
  }
  if (opts.noPunct) {
    s = removePunct(s);
    if (opts.asianSupport) s = removeAsianPunct(s);
  }
  return pyNormalizeSpace(s);
}
