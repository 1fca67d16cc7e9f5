// Error types shared by every stage. Errors carry enough context (file, key,
// video, C call) that the user knows what to fix without reading the code.
#pragma once

#include <stdexcept>
#include <string>

namespace dap {

// Base of all errors dap reports; main() catches it, logs it and exits non-zero.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A config file or override is wrong; the message names the file and key path.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// An input (video, checkpoint, shard) cannot be read; the message names the file.
class InputError : public Error {
 public:
  using Error::Error;
};

}  // namespace dap
