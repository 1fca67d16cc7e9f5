#include "core/base/allocator.h"

#include <malloc.h>

#include <cstdlib>
#include <initializer_list>

namespace dap {

void keep_freed_memory() {
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                           "MALLOC_ARENA_MAX", "GLIBC_TUNABLES"}) {
    if (std::getenv(name) != nullptr) return;
  }
#if defined(__GLIBC__)
  // 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace dap
