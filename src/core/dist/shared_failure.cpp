#include "core/dist/shared_failure.h"

#include "core/base/error.h"
#include "core/dist/mpi_context.h"

namespace dap {

void write_on_root(bool is_root, const std::function<void()>& write) {
  std::string failure;
  if (is_root) {
    try {
      write();
    } catch (const OutOfSpaceError& e) {
      failure = e.what();
    }
  }
  failure = broadcast_string(failure);
  if (!failure.empty()) throw OutOfSpaceError(failure, /*on_every_rank=*/true);
}

int alone_on_root(const std::function<int()>& work) {
  try {
    return work();
  } catch (const OutOfSpaceError& e) {
    throw OutOfSpaceError(e.what(), /*on_every_rank=*/true);
  }
}

void share_out_of_space(const std::string& local_failure) {
  std::string first;
  for (const std::string& message : gather_strings(local_failure)) {  // rank 0 holds them all
    if (!message.empty()) {
      first = message;
      break;
    }
  }
  first = broadcast_string(first);
  if (!first.empty()) throw OutOfSpaceError(first, /*on_every_rank=*/true);
}

}  // namespace dap
