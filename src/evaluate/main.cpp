// dap-evaluate: not built yet (issue 5). It already honours the CLI contract
// (--help, --config, --print-config) so job scripts can be written against it.
#include <cstdio>

#include "core/cli.h"

int main(int argc, char** argv) {
  return dap::run_placeholder_stage("evaluate", argc, argv);
}
