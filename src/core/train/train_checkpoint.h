// Checkpoint files of a training stage. A folder holds step_<N>.pt files,
// each complete: written under a temporary name and renamed, so a job killed
// mid-write leaves no file that looks complete. Beside each, step_<N>.pt.sha256
// holds its SHA-256, written before the rename: on a file system whose rename
// is not atomic, or after the file was damaged, the mismatch shows. N is the
// number of finished steps; the newest file is the one with the highest N.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "core/io/atomic_file.h"
#include "core/models/archive_entries.h"  // read_int, read_text for the entries

namespace dap {

// Saves `archive` as `path`, whole or not at all (core/io/atomic_file.h); a
// full disk or spent quota is an OutOfSpaceError naming `path`.
void save_archive(torch::serialize::OutputArchive& archive, const std::string& path,
                  const BeforeRename& before_rename = {});

// Writes `fill`'s archive as <folder>/step_<step>.pt with its checksum, then
// removes all but the `keep` newest checkpoints and any leftover temporary
// file. Returns the path. Out of space, the older checkpoints stay as they were.
std::string write_checkpoint(const std::string& folder, int64_t step, int keep,
                             const std::function<void(torch::serialize::OutputArchive&)>& fill);

// The newest checkpoint file in `folder`, if any (not verified).
std::optional<std::string> newest_checkpoint(const std::string& folder);

// Why the checkpoint at `path` cannot be resumed from, or "" when it is intact:
// its bytes differ from its checksum, or (an older one without a checksum) it
// cannot be read as an archive.
std::string checkpoint_damage(const std::string& path);

// The newest intact checkpoint in `folder`. Each newer damaged one is logged
// (one line, by name) and set aside as <name>.damaged, out of resuming's way;
// their new names are added to `set_aside`.
std::optional<std::string> newest_intact_checkpoint(const std::string& folder, std::vector<std::string>* set_aside);

// Removes every checkpoint (and temporary, checksum and set-aside file) in `folder`.
void remove_checkpoints(const std::string& folder);

}  // namespace dap
