// Thread pool: workers spin briefly on a generation counter, then sleep on a
// condition variable. The calling (JS) thread takes tasks too.
#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RN_PAUSE() _mm_pause()
#else
#define RN_PAUSE() ((void)0)
#endif

namespace rn {
namespace {

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::mutex run_mu;  // held by the caller of run()
  std::condition_variable wake;
  std::condition_variable done;
  std::atomic<uint64_t> generation{0};
  std::atomic<int64_t> next{0};
  std::atomic<int> busy{0};
  int64_t ntasks = 0;
  const std::function<void(int64_t)>* job = nullptr;
  bool stopping = false;
  int nthreads = 1;

  void run_tasks() {
    for (;;) {
      int64_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= ntasks) break;
      (*job)(t);
    }
  }

  // `seen` is the generation at creation: a job posted before the thread runs is not missed.
  void worker_loop(uint64_t seen) {
    for (;;) {
      // Spin for a short while (kernels come in bursts, ~0.1 ms apart), then sleep.
      bool got = false;
      for (int i = 0; i < 8000; i++) {
        if (generation.load(std::memory_order_acquire) != seen) {
          got = true;
          break;
        }
        RN_PAUSE();
      }
      if (!got) {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, [&] { return stopping || generation.load(std::memory_order_acquire) != seen; });
      }
      if (stopping) return;
      seen = generation.load(std::memory_order_acquire);
      run_tasks();
      if (busy.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu);
        done.notify_one();
      }
    }
  }

  void start(int n) {
    stop();
    nthreads = n < 1 ? 1 : n;
    stopping = false;
    const uint64_t g = generation.load(std::memory_order_acquire);
    for (int i = 1; i < nthreads; i++) workers.emplace_back([this, g] { worker_loop(g); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    wake.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
  }

  void run(int64_t n, const std::function<void(int64_t)>& fn) {
    job = &fn;
    ntasks = n;
    next.store(0, std::memory_order_relaxed);
    busy.store(static_cast<int>(workers.size()), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu);
      generation.fetch_add(1, std::memory_order_acq_rel);
    }
    wake.notify_all();
    run_tasks();
    // Workers finish within microseconds on an idle machine. When another
    // process holds their core, spinning here would only keep this core from
    // them: spin briefly, then yield, then sleep.
    for (int i = 0; i < 2000; i++) {
      if (busy.load(std::memory_order_acquire) == 0) return;
      RN_PAUSE();
    }
    for (int i = 0; i < 50; i++) {
      if (busy.load(std::memory_order_acquire) == 0) return;
      std::this_thread::yield();
    }
    std::unique_lock<std::mutex> lock(mu);
    done.wait(lock, [&] { return busy.load(std::memory_order_acquire) == 0; });
  }

  ~Pool() { stop(); }
};

thread_local bool t_inside = false;  // this thread is running a parallel_for (as caller)

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers must not outlive their pool at exit
  return *p;
}

}  // namespace

void set_threads(int n) {
  Pool& p = pool();
  std::lock_guard<std::mutex> owner(p.run_mu);
  if (n < 1) n = 1;
  if (n == p.nthreads && static_cast<int>(p.workers.size()) == n - 1) return;
  p.start(n);
}

int threads() { return pool().nthreads; }

void parallel_for(int64_t ntasks, const std::function<void(int64_t)>& fn) {
  if (ntasks <= 0) return;
  Pool& p = pool();
  // One job at a time: a second caller (another JS thread, or a task that
  // itself calls parallel_for) runs inline — same results, no deadlock.
  if (ntasks == 1 || p.workers.empty() || t_inside) {
    for (int64_t t = 0; t < ntasks; t++) fn(t);
    return;
  }
  std::unique_lock<std::mutex> owner(p.run_mu, std::try_to_lock);
  if (!owner.owns_lock()) {
    for (int64_t t = 0; t < ntasks; t++) fn(t);
    return;
  }
  t_inside = true;
  p.run(ntasks, fn);
  t_inside = false;
}

void parallel_range(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n <= grain) {
    fn(0, n);
    return;
  }
  const int64_t chunks = (n + grain - 1) / grain;
  parallel_for(chunks, [&](int64_t c) {
    const int64_t b = c * grain;
    const int64_t e = b + grain < n ? b + grain : n;
    fn(b, e);
  });
}

}  // namespace rn
