// N-API bindings: zero-copy views of Float32Array/Int32Array arguments, size
// checks (a wrong size throws instead of writing out of bounds), then the
// kernel. Called synchronously from the JS thread.
#include <napi.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "attention.h"
#include "cross_attention.h"
#include "ctc.h"
#include "gemm.h"
#include "isa.h"
#include "kernels.h"
#include "lstm.h"
#include "pool.h"
#include "vexp.h"

namespace {

struct Arr {
  void* data;
  int64_t len;
};

Arr typed_value(Napi::Env env, napi_value v, napi_typedarray_type want, const std::string& what) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) throw Napi::TypeError::New(env, what + ": typed array expected");
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset);
  if (type != want) {
    throw Napi::TypeError::New(env, what + (want == napi_int32_array      ? ": Int32Array expected"
                                            : want == napi_uint32_array   ? ": Uint32Array expected"
                                            : want == napi_float64_array  ? ": Float64Array expected"
                                                                          : ": Float32Array expected"));
  }
  return Arr{data, static_cast<int64_t>(length)};
}

Arr typed(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type want, const char* what) {
  return typed_value(info.Env(), info[i], want, what);
}

// Either a Float32Array or an Int32Array (32-bit elements, copied as bits).
Arr typed32(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type* type, const char* what) {
  napi_value v = info[i];
  bool is = false;
  napi_is_typedarray(info.Env(), v, &is);
  if (!is) throw Napi::TypeError::New(info.Env(), std::string(what) + ": typed array expected");
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  napi_get_typedarray_info(info.Env(), v, type, &length, &data, &buffer, &offset);
  if (*type != napi_float32_array && *type != napi_int32_array)
    throw Napi::TypeError::New(info.Env(), std::string(what) + ": Float32Array or Int32Array expected");
  return Arr{data, static_cast<int64_t>(length)};
}

inline float* F(const Arr& a) { return static_cast<float*>(a.data); }
inline int32_t* I(const Arr& a) { return static_cast<int32_t*>(a.data); }

int64_t num(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int64_t>(info[i].As<Napi::Number>().DoubleValue());
}
double dbl(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
bool flag(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

void need(const Napi::CallbackInfo& info, const Arr& a, int64_t n, const char* what) {
  if (n < 0 || a.len < n)
    throw Napi::RangeError::New(info.Env(), std::string(what) + ": array has " + std::to_string(a.len) +
                                                " elements, kernel needs " + std::to_string(n));
}

// meta = [rank, shape..., strides of operand 0..., strides of operand 1..., ...]
rn::Strided strided(const Napi::CallbackInfo& info, size_t i, int nops) {
  const Arr m = typed(info, i, napi_int32_array, "meta");
  const int32_t* p = I(m);
  if (m.len < 1 || p[0] < 0 || p[0] > rn::kMaxRank || m.len < 1 + p[0] * (1 + nops))
    throw Napi::RangeError::New(info.Env(), "meta: bad rank or length");
  rn::Strided s;
  s.rank = p[0];
  for (int d = 0; d < s.rank; d++) {
    s.shape[d] = p[1 + d];
    if (s.shape[d] < 0) throw Napi::RangeError::New(info.Env(), "meta: negative dimension");
    for (int k = 0; k < nops; k++) s.strides[k][d] = p[1 + (1 + k) * s.rank + d];
  }
  return s;
}

int64_t count(const rn::Strided& s) {
  int64_t n = 1;
  for (int d = 0; d < s.rank; d++) n *= s.shape[d];
  return n;
}

// Checks that operand k stays inside [0, len) when started at `off`.
void need_strided(const Napi::CallbackInfo& info, const rn::Strided& s, int k, int64_t off, const Arr& a,
                  const char* what) {
  if (count(s) == 0) return;
  int64_t lo = off, hi = off;
  for (int d = 0; d < s.rank; d++) {
    const int64_t span = (s.shape[d] - 1) * s.strides[k][d];
    if (span < 0) lo += span;
    else hi += span;
  }
  if (lo < 0 || hi >= a.len)
    throw Napi::RangeError::New(info.Env(), std::string(what) + ": strided access out of bounds");
}

void Unary(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(num(info, 0));
  const Arr x = typed(info, 1, napi_float32_array, "x");
  const Arr out = typed(info, 2, napi_float32_array, "out");
  need(info, out, x.len, "out");
  rn::unary(op, F(x), F(out), x.len);
}

void Binary(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(num(info, 0));
  const Arr a = typed(info, 1, napi_float32_array, "a");
  const Arr b = typed(info, 2, napi_float32_array, "b");
  const Arr out = typed(info, 3, napi_float32_array, "out");
  const rn::Strided s = strided(info, 4, 2);
  need_strided(info, s, 0, 0, a, "a");
  need_strided(info, s, 1, 0, b, "b");
  need(info, out, count(s), "out");
  rn::binary(op, F(a), F(b), F(out), s);
}

void Where(const Napi::CallbackInfo& info) {
  const Arr c = typed(info, 0, napi_float32_array, "cond");
  const Arr a = typed(info, 1, napi_float32_array, "a");
  const Arr b = typed(info, 2, napi_float32_array, "b");
  const Arr out = typed(info, 3, napi_float32_array, "out");
  const rn::Strided s = strided(info, 4, 3);
  need_strided(info, s, 0, 0, c, "cond");
  need_strided(info, s, 1, 0, a, "a");
  need_strided(info, s, 2, 0, b, "b");
  need(info, out, count(s), "out");
  rn::where(F(c), F(a), F(b), F(out), s);
}

void Copy(const Napi::CallbackInfo& info) {
  napi_typedarray_type ts, td;
  const Arr src = typed32(info, 0, &ts, "src");
  const int64_t sOff = num(info, 1);
  const Arr dst = typed32(info, 2, &td, "dst");
  const int64_t dOff = num(info, 3);
  if (ts != td) throw Napi::TypeError::New(info.Env(), "copy: src and dst types differ");
  const rn::Strided s = strided(info, 4, 2);
  need_strided(info, s, 0, sOff, src, "src");
  need_strided(info, s, 1, dOff, dst, "dst");
  rn::copy32(static_cast<const uint32_t*>(src.data) + sOff, static_cast<uint32_t*>(dst.data) + dOff, s);
}

void Matmul(const Napi::CallbackInfo& info) {
  const Arr a = typed(info, 0, napi_float32_array, "a");
  const Arr b = typed(info, 1, napi_float32_array, "b");
  const Arr c = typed(info, 2, napi_float32_array, "out");
  rn::GemmSpec s;
  s.batch = num(info, 3);
  s.m = num(info, 4);
  s.n = num(info, 5);
  s.k = num(info, 6);
  s.transA = flag(info, 7);
  s.transB = flag(info, 8);
  s.aBatchStride = num(info, 9);
  s.bBatchStride = num(info, 10);
  if (s.batch < 0 || s.m < 0 || s.n < 0 || s.k < 0 || s.aBatchStride < 0 || s.bBatchStride < 0)
    throw Napi::RangeError::New(info.Env(), "matmul: negative size");
  if (s.batch > 0) {
    need(info, a, (s.batch - 1) * s.aBatchStride + s.m * s.k, "a");
    need(info, b, (s.batch - 1) * s.bBatchStride + s.k * s.n, "b");
    need(info, c, s.batch * s.m * s.n, "out");
  }
  rn::sgemm(F(a), F(b), F(c), s);
}

void Sum(const Napi::CallbackInfo& info) {
  const Arr x = typed(info, 0, napi_float32_array, "x");
  const Arr out = typed(info, 1, napi_float32_array, "out");
  const int64_t outer = num(info, 2), len = num(info, 3), inner = num(info, 4);
  need(info, x, outer * len * inner, "x");
  need(info, out, outer * inner, "out");
  rn::sum(F(x), F(out), outer, len, inner);
}

void Max(const Napi::CallbackInfo& info) {
  const Arr x = typed(info, 0, napi_float32_array, "x");
  const Arr out = typed(info, 1, napi_float32_array, "out");
  const Arr arg = typed(info, 2, napi_int32_array, "argmax");
  const int64_t outer = num(info, 3), len = num(info, 4), inner = num(info, 5);
  need(info, x, outer * len * inner, "x");
  need(info, out, outer * inner, "out");
  need(info, arg, outer * inner, "argmax");
  rn::max(F(x), F(out), I(arg), outer, len, inner);
}

void Softmax(const Napi::CallbackInfo& info) {
  const Arr x = typed(info, 0, napi_float32_array, "x");
  const Arr out = typed(info, 1, napi_float32_array, "out");
  const int64_t rows = num(info, 2), cols = num(info, 3);
  need(info, x, rows * cols, "x");
  need(info, out, rows * cols, "out");
  rn::softmax(F(x), F(out), rows, cols, flag(info, 4));
}

void SoftmaxBackward(const Napi::CallbackInfo& info) {
  const Arr y = typed(info, 0, napi_float32_array, "y");
  const Arr gy = typed(info, 1, napi_float32_array, "gy");
  const Arr gx = typed(info, 2, napi_float32_array, "gx");
  const int64_t rows = num(info, 3), cols = num(info, 4);
  need(info, y, rows * cols, "y");
  need(info, gy, rows * cols, "gy");
  need(info, gx, rows * cols, "gx");
  rn::softmax_backward(F(y), F(gy), F(gx), rows, cols, flag(info, 5));
}

void LayerNorm(const Napi::CallbackInfo& info) {
  const Arr x = typed(info, 0, napi_float32_array, "x");
  const Arr g = typed(info, 1, napi_float32_array, "gamma");
  const Arr b = typed(info, 2, napi_float32_array, "beta");
  const Arr y = typed(info, 3, napi_float32_array, "y");
  const Arr mean = typed(info, 4, napi_float32_array, "mean");
  const Arr rstd = typed(info, 5, napi_float32_array, "rstd");
  const int64_t rows = num(info, 6), cols = num(info, 7);
  need(info, x, rows * cols, "x");
  need(info, y, rows * cols, "y");
  need(info, g, cols, "gamma");
  need(info, b, cols, "beta");
  need(info, mean, rows, "mean");
  need(info, rstd, rows, "rstd");
  rn::layer_norm(F(x), F(g), F(b), F(y), F(mean), F(rstd), rows, cols, dbl(info, 8));
}

void LayerNormBackward(const Napi::CallbackInfo& info) {
  const Arr x = typed(info, 0, napi_float32_array, "x");
  const Arr g = typed(info, 1, napi_float32_array, "gamma");
  const Arr mean = typed(info, 2, napi_float32_array, "mean");
  const Arr rstd = typed(info, 3, napi_float32_array, "rstd");
  const Arr gy = typed(info, 4, napi_float32_array, "gy");
  const Arr dx = typed(info, 5, napi_float32_array, "dx");
  const Arr dg = typed(info, 6, napi_float32_array, "dgamma");
  const Arr db = typed(info, 7, napi_float32_array, "dbeta");
  const int64_t rows = num(info, 8), cols = num(info, 9);
  need(info, x, rows * cols, "x");
  need(info, gy, rows * cols, "gy");
  need(info, dx, rows * cols, "dx");
  need(info, g, cols, "gamma");
  need(info, dg, cols, "dgamma");
  need(info, db, cols, "dbeta");
  need(info, mean, rows, "mean");
  need(info, rstd, rows, "rstd");
  rn::layer_norm_backward(F(x), F(g), F(mean), F(rstd), F(gy), F(dx), F(dg), F(db), rows, cols);
}

void check_labels(const Napi::CallbackInfo& info, const int32_t* idx, int64_t n, int64_t bound, const char* what) {
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= bound)
      throw Napi::RangeError::New(info.Env(), std::string(what) + " " + std::to_string(idx[i]) +
                                                  " out of range [0, " + std::to_string(bound) + ")");
}

void CrossEntropy(const Napi::CallbackInfo& info) {
  const Arr logits = typed(info, 0, napi_float32_array, "logits");
  const Arr labels = typed(info, 1, napi_int32_array, "labels");
  const Arr loss = typed(info, 2, napi_float32_array, "loss");
  const Arr probs = typed(info, 3, napi_float32_array, "probs");
  const int64_t rows = num(info, 4), classes = num(info, 5);
  need(info, logits, rows * classes, "logits");
  need(info, probs, rows * classes, "probs");
  need(info, labels, rows, "labels");
  need(info, loss, rows, "loss");
  check_labels(info, I(labels), rows, classes, "cross-entropy label");
  int32_t* argmax = nullptr;
  if (info.Length() > 7 && !info[7].IsNull() && !info[7].IsUndefined()) {
    const Arr a = typed(info, 7, napi_int32_array, "argmax");
    need(info, a, rows, "argmax");
    argmax = I(a);
  }
  rn::cross_entropy(F(logits), I(labels), F(loss), F(probs), rows, classes, dbl(info, 6), argmax);
}

void CrossEntropyBackward(const Napi::CallbackInfo& info) {
  const Arr probs = typed(info, 0, napi_float32_array, "probs");
  const Arr labels = typed(info, 1, napi_int32_array, "labels");
  const Arr gloss = typed(info, 2, napi_float32_array, "gloss");
  const Arr dl = typed(info, 3, napi_float32_array, "dlogits");
  const int64_t rows = num(info, 4), classes = num(info, 5);
  need(info, probs, rows * classes, "probs");
  need(info, dl, rows * classes, "dlogits");
  need(info, labels, rows, "labels");
  need(info, gloss, rows, "gloss");
  rn::cross_entropy_backward(F(probs), I(labels), F(gloss), F(dl), rows, classes, dbl(info, 6));
}

void Gather(const Napi::CallbackInfo& info) {
  const Arr x = typed(info, 0, napi_float32_array, "x");
  const Arr idx = typed(info, 1, napi_int32_array, "idx");
  const Arr out = typed(info, 2, napi_float32_array, "out");
  const int64_t outer = num(info, 3), len = num(info, 4), inner = num(info, 5);
  need(info, x, outer * len * inner, "x");
  need(info, out, outer * idx.len * inner, "out");
  check_labels(info, I(idx), idx.len, len, "gather index");
  rn::gather(F(x), I(idx), idx.len, F(out), outer, len, inner);
}

void ScatterAdd(const Napi::CallbackInfo& info) {
  const Arr gy = typed(info, 0, napi_float32_array, "gy");
  const Arr idx = typed(info, 1, napi_int32_array, "idx");
  const Arr gx = typed(info, 2, napi_float32_array, "gx");
  const int64_t outer = num(info, 3), len = num(info, 4), inner = num(info, 5);
  need(info, gx, outer * len * inner, "gx");
  need(info, gy, outer * idx.len * inner, "gy");
  check_labels(info, I(idx), idx.len, len, "scatter index");
  rn::scatter_add(F(gy), I(idx), idx.len, F(gx), outer, len, inner);
}

// Arguments 4–9 of adam/adamMany: lr, lrT, beta1, beta2, epsilon, weightDecay.
rn::AdamStep adam_step(const Napi::CallbackInfo& info) {
  rn::AdamStep o;
  o.lr = dbl(info, 4);
  o.lrT = dbl(info, 5);
  o.beta1 = dbl(info, 6);
  o.beta2 = dbl(info, 7);
  o.epsilon = dbl(info, 8);
  o.weightDecay = dbl(info, 9);
  return o;
}

void Adam(const Napi::CallbackInfo& info) {
  const Arr p = typed(info, 0, napi_float32_array, "p");
  const Arr g = typed(info, 1, napi_float32_array, "g");
  const Arr m = typed(info, 2, napi_float32_array, "m");
  const Arr v = typed(info, 3, napi_float32_array, "v");
  need(info, g, p.len, "g");
  need(info, m, p.len, "m");
  need(info, v, p.len, "v");
  rn::adam(F(p), F(g), F(m), F(v), p.len, adam_step(info));
}

// philoxWords(k0, k1, word2, word3, first, out: Uint32Array)
void PhiloxWords(const Napi::CallbackInfo& info) {
  const double first = dbl(info, 4);
  if (!(first >= 0 && first <= 9007199254740991.0) || first != static_cast<double>(static_cast<uint64_t>(first)))
    throw Napi::RangeError::New(info.Env(), "philoxWords: first must be an integer in [0, 2^53)");
  const Arr out = typed(info, 5, napi_uint32_array, "out");
  if (first + static_cast<double>(out.len) > 9007199254740991.0)
    throw Napi::RangeError::New(info.Env(), "philoxWords: positions beyond 2^53");
  auto u32 = [&](size_t i) { return static_cast<uint32_t>(static_cast<int64_t>(dbl(info, i)) & 0xffffffffLL); };
  rn::philox_words(u32(0), u32(1), u32(2), u32(3), static_cast<uint64_t>(first), static_cast<uint32_t*>(out.data),
                   out.len);
}

// expShifted(x: Float32Array, shift, out: Float64Array): the vectorised exp of
// the active ISA (vexp.h), exposed so tests can check its bits on every ISA.
void ExpShifted(const Napi::CallbackInfo& info) {
  const Arr x = typed(info, 0, napi_float32_array, "x");
  const Arr out = typed(info, 2, napi_float64_array, "out");
  if (out.len != x.len) throw Napi::RangeError::New(info.Env(), "expShifted: out must have x's length");
  rn::exp_shifted(static_cast<const float*>(x.data), dbl(info, 1), static_cast<double*>(out.data), x.len);
}

// dropoutMask(k0, k1, word2, word3, first, rate, out: Float32Array)
void DropoutMask(const Napi::CallbackInfo& info) {
  const double first = dbl(info, 4);
  if (!(first >= 0 && first <= 9007199254740991.0) || first != static_cast<double>(static_cast<uint64_t>(first)))
    throw Napi::RangeError::New(info.Env(), "dropoutMask: first must be an integer in [0, 2^53)");
  const double rate = dbl(info, 5);
  if (!(rate >= 0 && rate < 1)) throw Napi::RangeError::New(info.Env(), "dropoutMask: rate must be in [0, 1)");
  const Arr out = typed(info, 6, napi_float32_array, "out");
  if (first + static_cast<double>(out.len) > 9007199254740991.0)
    throw Napi::RangeError::New(info.Env(), "dropoutMask: positions beyond 2^53");
  auto u32 = [&](size_t i) { return static_cast<uint32_t>(static_cast<int64_t>(dbl(info, i)) & 0xffffffffLL); };
  rn::dropout_mask(u32(0), u32(1), u32(2), u32(3), static_cast<uint64_t>(first), rate, F(out), out.len);
}

// hashBlocks(words: Uint32Array, out: Uint32Array), out.length = 2·ceil(words.length / 2^16)
void HashBlocks(const Napi::CallbackInfo& info) {
  const Arr words = typed(info, 0, napi_uint32_array, "words");
  const Arr out = typed(info, 1, napi_uint32_array, "out");
  if (out.len != 2 * ((words.len + 65535) / 65536))
    throw Napi::RangeError::New(info.Env(), "hashBlocks: out must hold two words per block of 2^16 words");
  rn::hash_blocks(static_cast<const uint32_t*>(words.data), words.len, static_cast<uint32_t*>(out.data));
}

// --- fused attention ------------------------------------------------------------

// Optional Float32Array argument (null or undefined → nullptr).
const float* optional_f32(const Napi::CallbackInfo& info, size_t i, int64_t n, const char* what) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  const Arr a = typed(info, i, napi_float32_array, what);
  need(info, a, n, what);
  return F(a);
}

rn::AttentionSpec attention_spec(const Napi::CallbackInfo& info, size_t i) {
  rn::AttentionSpec s;
  s.n = num(info, i);
  s.h = num(info, i + 1);
  s.tq = num(info, i + 2);
  s.tk = num(info, i + 3);
  s.dk = num(info, i + 4);
  s.dv = num(info, i + 5);
  s.rowsPerLength = num(info, i + 6);
  s.scale = dbl(info, i + 7);
  s.causal = flag(info, i + 8);
  if (s.n < 0 || s.h < 0 || s.tq < 0 || s.tk < 0 || s.dk < 0 || s.dv < 0 || s.rowsPerLength < 1)
    throw Napi::RangeError::New(info.Env(), "attention: bad sizes");
  return s;
}

// attention(q, k, v, lengths, drop|null, out, probs, N, H, Tq, Tk, dk, dv, rowsPerLength, scale, causal)
void Attention(const Napi::CallbackInfo& info) {
  const Arr q = typed(info, 0, napi_float32_array, "q");
  const Arr k = typed(info, 1, napi_float32_array, "k");
  const Arr v = typed(info, 2, napi_float32_array, "v");
  const Arr len = typed(info, 3, napi_int32_array, "lengths");
  const Arr out = typed(info, 5, napi_float32_array, "out");
  const Arr probs = typed(info, 6, napi_float32_array, "probs");
  const rn::AttentionSpec s = attention_spec(info, 7);
  const float* drop = optional_f32(info, 4, s.n * s.h * s.tq * s.tk, "drop");
  need(info, q, s.n * s.h * s.tq * s.dk, "q");
  need(info, k, s.n * s.h * s.tk * s.dk, "k");
  need(info, v, s.n * s.h * s.tk * s.dv, "v");
  need(info, len, (s.n + s.rowsPerLength - 1) / s.rowsPerLength, "lengths");
  need(info, out, s.n * s.h * s.tq * s.dv, "out");
  need(info, probs, s.n * s.h * s.tq * s.tk, "probs");
  rn::attention_forward(F(q), F(k), F(v), I(len), drop, F(out), F(probs), s);
}

// attentionBackward(q, k, v, lengths, drop|null, probs, gout, gq, gk, gv, N, H, Tq, Tk, dk, dv, rowsPerLength,
// scale, causal)
void AttentionBackward(const Napi::CallbackInfo& info) {
  const Arr q = typed(info, 0, napi_float32_array, "q");
  const Arr k = typed(info, 1, napi_float32_array, "k");
  const Arr v = typed(info, 2, napi_float32_array, "v");
  const Arr len = typed(info, 3, napi_int32_array, "lengths");
  const Arr probs = typed(info, 5, napi_float32_array, "probs");
  const Arr gout = typed(info, 6, napi_float32_array, "gout");
  const Arr gq = typed(info, 7, napi_float32_array, "gq");
  const Arr gk = typed(info, 8, napi_float32_array, "gk");
  const Arr gv = typed(info, 9, napi_float32_array, "gv");
  const rn::AttentionSpec s = attention_spec(info, 10);
  const float* drop = optional_f32(info, 4, s.n * s.h * s.tq * s.tk, "drop");
  need(info, q, s.n * s.h * s.tq * s.dk, "q");
  need(info, k, s.n * s.h * s.tk * s.dk, "k");
  need(info, v, s.n * s.h * s.tk * s.dv, "v");
  need(info, len, (s.n + s.rowsPerLength - 1) / s.rowsPerLength, "lengths");
  need(info, probs, s.n * s.h * s.tq * s.tk, "probs");
  need(info, gout, s.n * s.h * s.tq * s.dv, "gout");
  need(info, gq, s.n * s.h * s.tq * s.dk, "gq");
  need(info, gk, s.n * s.h * s.tk * s.dk, "gk");
  need(info, gv, s.n * s.h * s.tk * s.dv, "gv");
  rn::attention_backward(F(q), F(k), F(v), I(len), drop, F(probs), F(gout), F(gq), F(gk), F(gv), s);
}

// attentionPacked(qkv, lengths, drop|null, out, probs, N, H, T, T, dk, dv, rowsPerLength, scale, causal)
void AttentionPacked(const Napi::CallbackInfo& info) {
  const Arr qkv = typed(info, 0, napi_float32_array, "qkv");
  const Arr len = typed(info, 1, napi_int32_array, "lengths");
  const Arr out = typed(info, 3, napi_float32_array, "out");
  const Arr probs = typed(info, 4, napi_float32_array, "probs");
  const rn::AttentionSpec s = attention_spec(info, 5);
  if (s.tq != s.tk) throw Napi::RangeError::New(info.Env(), "attentionPacked: tq must equal tk");
  const float* drop = optional_f32(info, 2, s.n * s.h * s.tq * s.tk, "drop");
  need(info, qkv, s.n * s.tq * s.h * (2 * s.dk + s.dv), "qkv");
  need(info, len, (s.n + s.rowsPerLength - 1) / s.rowsPerLength, "lengths");
  need(info, out, s.n * s.tq * s.h * s.dv, "out");
  need(info, probs, s.n * s.h * s.tq * s.tk, "probs");
  rn::attention_packed_forward(F(qkv), I(len), drop, F(out), F(probs), s);
}

// attentionPackedBackward(qkv, lengths, drop|null, probs, gout, gqkv, N, H, T, T, dk, dv, rowsPerLength, scale,
// causal)
void AttentionPackedBackward(const Napi::CallbackInfo& info) {
  const Arr qkv = typed(info, 0, napi_float32_array, "qkv");
  const Arr len = typed(info, 1, napi_int32_array, "lengths");
  const Arr probs = typed(info, 3, napi_float32_array, "probs");
  const Arr gout = typed(info, 4, napi_float32_array, "gout");
  const Arr gqkv = typed(info, 5, napi_float32_array, "gqkv");
  const rn::AttentionSpec s = attention_spec(info, 6);
  if (s.tq != s.tk) throw Napi::RangeError::New(info.Env(), "attentionPackedBackward: tq must equal tk");
  const float* drop = optional_f32(info, 2, s.n * s.h * s.tq * s.tk, "drop");
  const int64_t packed = s.n * s.tq * s.h * (2 * s.dk + s.dv);
  need(info, qkv, packed, "qkv");
  need(info, gqkv, packed, "gqkv");
  need(info, len, (s.n + s.rowsPerLength - 1) / s.rowsPerLength, "lengths");
  need(info, probs, s.n * s.h * s.tq * s.tk, "probs");
  need(info, gout, s.n * s.tq * s.h * s.dv, "gout");
  rn::attention_packed_backward(F(qkv), I(len), drop, F(probs), F(gout), F(gqkv), s);
}

// --- fused cross-attention -------------------------------------------------------

// Optional Int32Array argument (null or undefined → nullptr).
const int32_t* optional_i32(const Napi::CallbackInfo& info, size_t i, int64_t n, const char* what) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  const Arr a = typed(info, i, napi_int32_array, what);
  need(info, a, n, what);
  return I(a);
}

// (..., qLengths|null, kLengths|null, B, H, Tq, Tk, dk, dv, factor) from argument i on.
struct CrossAttentionArgs {
  rn::CrossAttentionSpec s;
  const int32_t* qlen;
  const int32_t* klen;
};

CrossAttentionArgs cross_attention_args(const Napi::CallbackInfo& info, size_t i) {
  CrossAttentionArgs a;
  rn::CrossAttentionSpec& s = a.s;
  s.b = num(info, i + 2);
  s.h = num(info, i + 3);
  s.tq = num(info, i + 4);
  s.tk = num(info, i + 5);
  s.dk = num(info, i + 6);
  s.dv = num(info, i + 7);
  s.factor = dbl(info, i + 8);
  if (s.b < 0 || s.h < 0 || s.tq < 0 || s.tk < 0 || s.dk < 0 || s.dv < 0)
    throw Napi::RangeError::New(info.Env(), "crossAttention: bad sizes");
  a.qlen = optional_i32(info, i, s.b, "qLengths");
  a.klen = optional_i32(info, i + 1, s.b, "kLengths");
  return a;
}

// q, k, v (or their gradients, `names` "gq", "gk", "gv") in the layouts of cross_attention.h.
void need_qkv(const Napi::CallbackInfo& info, const Arr& q, const Arr& k, const Arr& v,
              const rn::CrossAttentionSpec& s, const char* const names[3]) {
  need(info, q, s.b * s.tq * s.h * s.dk, names[0]);
  need(info, k, s.b * s.tk * s.h * s.dk, names[1]);
  need(info, v, s.b * s.tk * s.h * s.dv, names[2]);
}

const char* const kQkv[3] = {"q", "k", "v"};
const char* const kGradQkv[3] = {"gq", "gk", "gv"};

// crossAttention(q, k, v, drop|null, out, probs, qLengths, kLengths, B, H, Tq, Tk, dk, dv, factor)
void CrossAttention(const Napi::CallbackInfo& info) {
  const Arr q = typed(info, 0, napi_float32_array, "q");
  const Arr k = typed(info, 1, napi_float32_array, "k");
  const Arr v = typed(info, 2, napi_float32_array, "v");
  const Arr out = typed(info, 4, napi_float32_array, "out");
  const Arr probs = typed(info, 5, napi_float32_array, "probs");
  const CrossAttentionArgs a = cross_attention_args(info, 6);
  const rn::CrossAttentionSpec& s = a.s;
  const float* drop = optional_f32(info, 3, s.b * s.tq * s.h * s.tk, "drop");
  need_qkv(info, q, k, v, s, kQkv);
  need(info, out, s.b * s.tq * s.h * s.dv, "out");
  need(info, probs, s.b * s.h * s.tq * s.tk, "probs");
  rn::cross_attention_forward(F(q), F(k), F(v), a.qlen, a.klen, drop, F(out), F(probs), s);
}

// crossAttentionBackward(q, k, v, drop|null, probs, gout, gq, gk, gv, qLengths, kLengths, B, H, Tq, Tk, dk, dv,
// factor)
void CrossAttentionBackward(const Napi::CallbackInfo& info) {
  const Arr q = typed(info, 0, napi_float32_array, "q");
  const Arr k = typed(info, 1, napi_float32_array, "k");
  const Arr v = typed(info, 2, napi_float32_array, "v");
  const Arr probs = typed(info, 4, napi_float32_array, "probs");
  const Arr gout = typed(info, 5, napi_float32_array, "gout");
  const Arr gq = typed(info, 6, napi_float32_array, "gq");
  const Arr gk = typed(info, 7, napi_float32_array, "gk");
  const Arr gv = typed(info, 8, napi_float32_array, "gv");
  const CrossAttentionArgs a = cross_attention_args(info, 9);
  const rn::CrossAttentionSpec& s = a.s;
  const float* drop = optional_f32(info, 3, s.b * s.tq * s.h * s.tk, "drop");
  need_qkv(info, q, k, v, s, kQkv);
  need_qkv(info, gq, gk, gv, s, kGradQkv);
  need(info, probs, s.b * s.h * s.tq * s.tk, "probs");
  need(info, gout, s.b * s.tq * s.h * s.dv, "gout");
  rn::cross_attention_backward(F(q), F(k), F(v), a.qlen, a.klen, drop, F(probs), F(gout), F(gq), F(gk), F(gv),
                               s);
}

// --- LSTM -------------------------------------------------------------------------

// The Float32Array arguments at positions `pos`, each holding at least `sizes` elements.
template <size_t N>
void float_args(const Napi::CallbackInfo& info, const size_t (&pos)[N], const int64_t (&sizes)[N],
                const char* const (&names)[N], float* (&out)[N]) {
  for (size_t a = 0; a < N; a++) {
    const Arr arr = typed(info, pos[a], napi_float32_array, names[a]);
    need(info, arr, sizes[a], names[a]);
    out[a] = F(arr);
  }
}

rn::LstmSpec lstm_spec(const Napi::CallbackInfo& info, size_t i) {
  rn::LstmSpec s;
  s.b = num(info, i);
  s.t = num(info, i + 1);
  s.n = num(info, i + 2);
  s.backward = flag(info, i + 3);
  if (s.b < 0 || s.t < 0 || s.n < 0) throw Napi::RangeError::New(info.Env(), "lstm: bad sizes");
  return s;
}

// The arguments of one lstmForward call (15, from `base`) / one lstmBackward call (17).
struct LstmForwardCall {
  rn::LstmSpec s;
  float* p[10];
  const int32_t* lengths;
  void run() const { rn::lstm_forward(p[0], p[1], p[2], p[3], lengths, p[4], p[5], p[6], p[7], p[8], p[9], s); }
};

struct LstmBackwardCall {
  rn::LstmSpec s;
  float* p[10];
  const int32_t* lengths;
  const float *dc_last, *dh_last;
  void run() const {
    rn::lstm_backward(p[0], p[1], lengths, p[2], p[3], p[4], p[5], dc_last, dh_last, p[6], p[7], p[8], p[9], s);
  }
};

// (xp, wRe, c0, h0, lengths, y, cells, gates, hPrev, cLast, hLast, B, T, n, backward)
LstmForwardCall lstm_forward_call(const Napi::CallbackInfo& info, size_t base) {
  LstmForwardCall c;
  c.s = lstm_spec(info, base + 11);
  const int64_t bt = c.s.b * c.s.t * c.s.n, bn = c.s.b * c.s.n;
  const char* names[] = {"xp", "wRe", "c0", "h0", "y", "cells", "gates", "hPrev", "cLast", "hLast"};
  size_t pos[] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10};
  for (size_t& q : pos) q += base;
  const int64_t sizes[] = {4 * bt, 4 * c.s.n * c.s.n, bn, bn, bt, bt, 4 * bt, bt, bn, bn};
  float_args(info, pos, sizes, names, c.p);
  const Arr len = typed(info, base + 4, napi_int32_array, "lengths");
  need(info, len, c.s.b, "lengths");
  c.lengths = I(len);
  return c;
}

// (wRe, c0, lengths, cells, gates, hPrev, dy, dcLast|null, dhLast|null, dxp, dwRe, dc0, dh0, B, T, n, backward)
LstmBackwardCall lstm_backward_call(const Napi::CallbackInfo& info, size_t base) {
  LstmBackwardCall c;
  c.s = lstm_spec(info, base + 13);
  const int64_t bt = c.s.b * c.s.t * c.s.n, bn = c.s.b * c.s.n;
  const char* names[] = {"wRe", "c0", "cells", "gates", "hPrev", "dy", "dxp", "dwRe", "dc0", "dh0"};
  size_t pos[] = {0, 1, 3, 4, 5, 6, 9, 10, 11, 12};
  for (size_t& q : pos) q += base;
  const int64_t sizes[] = {4 * c.s.n * c.s.n, bn, bt, 4 * bt, bt, bt, 4 * bt, 4 * c.s.n * c.s.n, bn, bn};
  float_args(info, pos, sizes, names, c.p);
  const Arr len = typed(info, base + 2, napi_int32_array, "lengths");
  need(info, len, c.s.b, "lengths");
  c.lengths = I(len);
  c.dc_last = optional_f32(info, base + 7, bn, "dcLast");
  c.dh_last = optional_f32(info, base + 8, bn, "dhLast");
  return c;
}

void LstmForward(const Napi::CallbackInfo& info) { lstm_forward_call(info, 0).run(); }

void LstmBackward(const Napi::CallbackInfo& info) { lstm_backward_call(info, 0).run(); }

// Two independent LSTM calls (a BLSTM's directions) at once: one per pool
// thread, each inline (single-threaded) inside — the bits of two separate
// calls, which no thread count changes; with one thread, one after the other.
void LstmForwardPair(const Napi::CallbackInfo& info) {
  const LstmForwardCall calls[] = {lstm_forward_call(info, 0), lstm_forward_call(info, 15)};
  rn::parallel_for(2, [&](int64_t t) { calls[t].run(); });
}

void LstmBackwardPair(const Napi::CallbackInfo& info) {
  const LstmBackwardCall calls[] = {lstm_backward_call(info, 0), lstm_backward_call(info, 17)};
  rn::parallel_for(2, [&](int64_t t) { calls[t].run(); });
}

// --- configuration ----------------------------------------------------------------

void CtcLoss(const Napi::CallbackInfo& info) {
  const Arr logits = typed(info, 0, napi_float32_array, "logits");
  const Arr labels = typed(info, 1, napi_int32_array, "labels");
  const Arr inLen = typed(info, 2, napi_int32_array, "inputLengths");
  const Arr labLen = typed(info, 3, napi_int32_array, "labelLengths");
  const int64_t batch = num(info, 4), time = num(info, 5), classes = num(info, 6), maxLabels = num(info, 7),
                blank = num(info, 8);
  const Arr loss = typed(info, 9, napi_float32_array, "loss");
  const Arr grad = typed(info, 10, napi_float32_array, "grad");
  need(info, logits, batch * time * classes, "logits");
  need(info, grad, batch * time * classes, "grad");
  need(info, labels, batch * maxLabels, "labels");
  need(info, inLen, batch, "inputLengths");
  need(info, labLen, batch, "labelLengths");
  need(info, loss, batch, "loss");
  if (blank < 0 || blank >= classes) throw Napi::RangeError::New(info.Env(), "ctc blank out of range");
  for (int64_t b = 0; b < batch; b++) {
    if (I(inLen)[b] < 0 || I(inLen)[b] > time || I(labLen)[b] < 0 || I(labLen)[b] > maxLabels)
      throw Napi::RangeError::New(info.Env(), "ctc lengths out of range");
  }
  check_labels(info, I(labels), batch * maxLabels, classes, "ctc label");
  rn::ctc_loss(F(logits), I(labels), I(inLen), I(labLen), batch, time, classes, maxLabels, blank, F(loss), F(grad));
}

void SetThreads(const Napi::CallbackInfo& info) {
  const int64_t n = num(info, 0);
  if (n < 1 || n > 256) throw Napi::RangeError::New(info.Env(), "threads must be in [1, 256]");
  rn::set_threads(static_cast<int>(n));
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), rn::threads()); }

Napi::Value Isa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), rn::isa_name(rn::active_isa()));
}

// adamMany(ps, gs, ms, vs, lr, lrT, beta1, beta2, epsilon, weightDecay): arrays of Float32Arrays.
void AdamMany(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Array lists[4];
  const char* names[4] = {"ps", "gs", "ms", "vs"};
  for (int l = 0; l < 4; l++) {
    if (!info[l].IsArray()) throw Napi::TypeError::New(env, std::string(names[l]) + ": array expected");
    lists[l] = info[l].As<Napi::Array>();
  }
  const uint32_t count = lists[0].Length();
  for (int l = 1; l < 4; l++)
    if (lists[l].Length() != count) throw Napi::RangeError::New(env, "adamMany: lists of different lengths");
  std::vector<rn::AdamTensor> tensors(count);
  for (uint32_t t = 0; t < count; t++) {
    Arr a[4];
    for (int l = 0; l < 4; l++)
      a[l] = typed_value(env, lists[l].Get(t), napi_float32_array, std::string(names[l]) + "[" + std::to_string(t) + "]");
    for (int l = 1; l < 4; l++)
      if (a[l].len < a[0].len) throw Napi::RangeError::New(env, std::string(names[l]) + ": too short");
    tensors[t] = rn::AdamTensor{F(a[0]), F(a[1]), F(a[2]), F(a[3]), a[0].len};
  }
  rn::adam_many(tensors.data(), count, adam_step(info));
}

// For all multi-versioned kernels (isa.h), not only GEMM.
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(info.Env(), rn::set_isa(name.c_str()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    void (*fn)(const Napi::CallbackInfo&);
  } voids[] = {
      {"unary", Unary},
      {"binary", Binary},
      {"where", Where},
      {"copy", Copy},
      {"matmul", Matmul},
      {"sum", Sum},
      {"max", Max},
      {"softmax", Softmax},
      {"softmaxBackward", SoftmaxBackward},
      {"layerNorm", LayerNorm},
      {"layerNormBackward", LayerNormBackward},
      {"crossEntropy", CrossEntropy},
      {"crossEntropyBackward", CrossEntropyBackward},
      {"gather", Gather},
      {"scatterAdd", ScatterAdd},
      {"adam", Adam},
      {"attention", Attention},
      {"attentionBackward", AttentionBackward},
      {"philoxWords", PhiloxWords},
      {"dropoutMask", DropoutMask},
      {"setThreads", SetThreads},
      {"hashBlocks", HashBlocks},
      {"ctcLoss", CtcLoss},
      {"adamMany", AdamMany},
      {"expShifted", ExpShifted},
      {"lstmForward", LstmForward},
      {"lstmBackward", LstmBackward},
      {"lstmForwardPair", LstmForwardPair},
      {"lstmBackwardPair", LstmBackwardPair},
      {"attentionPacked", AttentionPacked},
      {"attentionPackedBackward", AttentionPackedBackward},
      {"crossAttention", CrossAttention},
      {"crossAttentionBackward", CrossAttentionBackward},
  };
  for (const auto& f : voids) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("hardwareConcurrency",
              Napi::Number::New(env, static_cast<double>(std::thread::hardware_concurrency())));
  return exports;
}

}  // namespace

NODE_API_MODULE(repronet_native, Init)
