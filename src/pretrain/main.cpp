// dap-pretrain: not built yet (issue 4). It already honours the CLI contract
// (--help, --config, --print-config) so job scripts can be written against it.
#include <cstdio>

#include "core/cli.h"

int main(int argc, char** argv) {
  return dap::run_placeholder_stage("pretrain", argc, argv);
}
