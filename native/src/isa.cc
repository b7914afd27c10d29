// See isa.h. avx2 means AVX2 + FMA (what the GEMM kernel needs), avx512 means
// AVX-512F on top of that.
#include "isa.h"

#include <atomic>
#include <string>

#include "gemm.h"

namespace rn {
namespace {

Isa best_isa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && __builtin_cpu_supports("avx512f")) return Isa::Avx512;
  if (avx2) return Isa::Avx2;
#endif
  return Isa::Generic;
}

std::atomic<int>& active() {
  static std::atomic<int> a{static_cast<int>(best_isa())};
  return a;
}

}  // namespace

Isa active_isa() { return static_cast<Isa>(active().load(std::memory_order_relaxed)); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

bool set_isa(const char* name) {
  const std::string n(name);
  Isa want;
  if (n == "auto") want = best_isa();
  else if (n == "avx512") want = Isa::Avx512;
  else if (n == "avx2") want = Isa::Avx2;
  else if (n == "generic") want = Isa::Generic;
  else return false;
  if (static_cast<int>(want) > static_cast<int>(best_isa())) return false;
  if (!set_gemm_isa(n == "auto" ? "auto" : isa_name(want))) return false;  // not compiled in
  active().store(static_cast<int>(want), std::memory_order_relaxed);
  return true;
}

}  // namespace rn
