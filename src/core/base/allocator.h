// glibc's malloc hands large blocks back to the kernel as soon as they are freed, so every
// training step pays page faults again for the same activation buffers: measured on the
// demo's fine-tuning run (1 rank), 487k page faults and 9.8 s by default against 54k and
// 3.7 s when freed memory is kept. Batch jobs reuse the same sizes every step; keep it.
#pragma once

namespace dap {

// Keeps freed memory in the process (blocks up to 32 MiB from the heap, no trimming of
// the heap's top below 1 GiB, 64 MiB of headroom per heap extension). Leaves glibc as it
// is when the user set any MALLOC_*_ variable, so they can still choose. Call once, first
// thing in main().
void keep_freed_memory();

}  // namespace dap
