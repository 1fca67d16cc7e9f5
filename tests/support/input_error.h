// The message of the InputError an action throws, for tests that check what
// an error names (file, key, shape).
#pragma once

#include <functional>
#include <string>

#include "core/base/error.h"

namespace dap::testing {

inline std::string input_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError thrown)";
}

}  // namespace dap::testing
