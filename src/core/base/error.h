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

// Input that every rank finds alike because every rank reads the same file
// the same way (a manifest, a shard index, an ids list, the results to
// aggregate). The stage ends on each rank with kExitBadInput, rank 0 explaining,
// instead of aborting the MPI job as for an error met by one rank alone.
class BadInputError : public InputError {
 public:
  using InputError::InputError;
};

// A write failed because its file system is full or the user's quota is spent
// (ENOSPC, EDQUOT). The message names the file, the errno text and what to do
// (core/io/disk_space.h builds it). When every rank knows of it (the write's
// outcome was shared, core/dist/shared_failure.h) each rank ends with
// kExitOutOfSpace, rank 0 explaining; a rank alone with it aborts the job.
class OutOfSpaceError : public Error {
 public:
  explicit OutOfSpaceError(const std::string& message, bool on_every_rank = false)
      : Error(message), on_every_rank_(on_every_rank) {}
  bool on_every_rank() const { return on_every_rank_; }

 private:
  bool on_every_rank_;
};

}  // namespace dap
