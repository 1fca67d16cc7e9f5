#include "core/base/allocator.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace {

// An 8 MiB block, as a training step's activations: glibc's default maps it with mmap
// (and unmaps it on free, so the next step faults its pages in again); after
// keep_freed_memory() it comes from the heap, which keeps it.
TEST(Allocator, LargeBlocksComeFromTheHeapAndStayThere) {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("GLIBC_TUNABLES") != nullptr) {
    GTEST_SKIP() << "the environment chooses glibc's settings";
  }
  dap::keep_freed_memory();
  const size_t mapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(8 << 20);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, 8 << 20);
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before) << "the block was mapped with mmap";
  const size_t heap_before_free = mallinfo2().arena;
  std::free(block);
  EXPECT_EQ(mallinfo2().arena, heap_before_free) << "freeing the block shrank the heap";
}

}  // namespace
