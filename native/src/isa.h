// The instruction set every multi-versioned native kernel uses: the GEMM
// micro-kernel (gemm.cc), the vectorised exp (vexp.cc) and the Philox groups
// (random.cc). One switch for all of them, so that a run can be repeated with
// the code paths of a smaller machine (REPRONET_ISA, src/kernels/active.ts):
// every path gives the same bits, and the cross-ISA contract test checks it.
#pragma once

namespace rn {

enum class Isa : int { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The ISA in use (at load time the best this CPU supports).
Isa active_isa();
const char* isa_name(Isa isa);
// Forces "avx512", "avx2", "generic" or "auto" (the best here) for all kernels;
// false (and nothing changed) when the name is unknown or this CPU lacks the ISA.
bool set_isa(const char* name);

}  // namespace rn
