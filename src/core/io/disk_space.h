// Running out of disk space or quota, told apart from other write failures.
// A failed write (libtorch, HDF5, libpng, a stream) rarely hands its errno back
// intact, so the folder is asked afterwards: a file system that is full, or a
// quota that is spent, refuses a small write too. Ask before removing the
// partial file, which holds the space that ran out.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/error.h"

namespace dap {

// ENOSPC or EDQUOT.
bool is_out_of_space_errno(int error_number);

// After a write into `folder` failed: ENOSPC or EDQUOT when the folder's file
// system has no room left for this user, else 0.
int out_of_space_errno(const std::string& folder);

// The error for `path` that could not be written (error_number: ENOSPC or EDQUOT):
// names the file, the errno text and what to do.
OutOfSpaceError out_of_space_error(const std::string& path, int error_number);

// Bytes this user may still write to the file system holding `folder` (statvfs;
// a quota may allow less). -1 when it cannot be asked.
int64_t free_bytes(const std::string& folder);

// "1.5 GiB", "340 KiB": for log lines.
std::string format_bytes(double bytes);

}  // namespace dap
