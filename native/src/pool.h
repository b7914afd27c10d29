// A fixed-size thread pool for data-parallel kernels.
//
// Determinism rule: a kernel splits its output into tasks whose boundaries do
// not depend on the thread count, or whose boundaries only decide *who*
// computes an output element, never *how* (each element is reduced in one
// fixed order by one thread). Which thread runs which task is then irrelevant.
#pragma once

#include <cstdint>
#include <functional>

namespace rn {

// Sets the number of threads (the caller counts as one). n >= 1.
void set_threads(int n);
int threads();

// Runs fn(task) for task in [0, ntasks), on the pool when it has more than one
// thread and ntasks > 1, otherwise inline. Returns when all tasks are done.
void parallel_for(int64_t ntasks, const std::function<void(int64_t)>& fn);

// Splits [0, n) into chunks of `grain` (the last may be shorter) and runs
// fn(begin, end) for each; inline when n <= grain. The chunking depends only on
// n and grain, never on the thread count.
void parallel_range(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace rn
