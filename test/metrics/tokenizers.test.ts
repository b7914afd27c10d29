import assert from "node:assert/strict";
import { test } from "node:test";
import {
  getTokenizer,
  tokenize13a,
  tokenizeChar,
  tokenizeIntl,
  tokenizeNone,
  tokenizeZh,
} from "../../src/metrics/tokenizers.js";
import { ReproError } from "../../src/util/errors.js";

test("13a splits punctuation but keeps apostrophes, decimals and digit groups", () => {
  assert.equal(tokenize13a("Hello, world! It's 3.5-4 U.S.A."), "Hello , world ! It's 3.5 - 4 U . S . A .");
  assert.equal(tokenize13a("1,000.50 and 2019-2020"), "1,000.50 and 2019 - 2020");
});

test("13a unescapes entities in order and removes <skipped>", () => {
  assert.equal(tokenize13a("a &amp;quot; b &lt;i&gt; <skipped>x"), "a & quot ; b < i > x");
});

test("13a joins hyphenated line breaks", () => {
  assert.equal(tokenize13a("end-\nline"), "endline");
});

test("intl splits Unicode punctuation and symbols", () => {
  assert.equal(tokenizeIntl("Price: $5, 3.5% (approx.)!"), "Price : $ 5 , 3.5 % ( approx . ) !");
  assert.equal(tokenizeIntl("«Bonjour», dit-il…"), "« Bonjour » , dit - il …");
});

test("intl keeps a number and a final period together", () => {
  assert.equal(tokenizeIntl("In 2019."), "In 2019.");
});

test("zh splits Chinese characters, including sacreBLEU's quirky U+2001-U+2A6D range", () => {
  assert.equal(tokenizeZh("我们今天–OK,好吗？"), "我 们 今 天 – OK , 好 吗 ？");
  assert.equal(tokenizeZh(" 北京—上海 "), "北 京 — 上 海");
});

test("char puts a space between code points without normalising whitespace", () => {
  assert.equal(tokenizeChar("ab c"), "a b   c");
});

test("none is the identity", () => {
  assert.equal(tokenizeNone(" a,b "), " a,b ");
});

test("getTokenizer rejects unknown names with a hint", () => {
  assert.throws(
    () => getTokenizer("13b"),
    (e: unknown) => e instanceof ReproError && /did you mean "13a"/.test(e.message),
  );
});
