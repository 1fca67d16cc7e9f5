// Checkpoint files of a training stage. A folder holds step_<N>.pt files,
// each complete: written under a temporary name and renamed, so a job killed
// mid-write leaves no file that looks complete. N is the number of finished
// steps; the newest file is the one with the highest N.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "core/models/archive_entries.h"  // read_int, read_text for the entries

namespace dap {

// Writes `fill`'s archive as <folder>/step_<step>.pt, then removes all but the
// `keep` newest checkpoints and any leftover temporary file. Returns the path.
std::string write_checkpoint(const std::string& folder, int64_t step, int keep,
                             const std::function<void(torch::serialize::OutputArchive&)>& fill);

// The newest complete checkpoint in `folder`, if any.
std::optional<std::string> newest_checkpoint(const std::string& folder);

// Removes every checkpoint (and temporary file) in `folder`.
void remove_checkpoints(const std::string& folder);

}  // namespace dap
