// CPU threads of one rank: libtorch's intra-op pool and OpenBLAS's own pool.
// Both pools matter for speed (docs/ARCHITECTURE.md "Threads"), so each stage sets both.
#pragma once

#include "core/config/config_binding.h"

namespace dap::config {

struct ThreadsConfig {
  int intra_op = 1;
  int openblas = 1;

  template <class V>
  void visit(V& v) {
    v.field("intra_op", intra_op, "libtorch intra-op threads per rank", Range{1, 1024});
    v.field("openblas", openblas, "OpenBLAS threads per rank", Range{1, 1024});
  }
};

}  // namespace dap::config
