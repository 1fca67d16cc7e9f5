// Files that appear whole or not at all. The content goes to <path>.tmp, which
// is synced to disk and then renamed over <path>: a failed or killed write
// never leaves a file that looks complete, and an older <path> stays as it
// was. A write that fails removes the temporary file; running out of space or
// quota is an OutOfSpaceError naming <path> (disk_space.h), any other failure
// keeps its own error.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace dap {

// Takes the content piece by piece. It accepts every piece: after a failed
// write the rest is dropped and the failure reported once the writer is done,
// so a writer that cannot recover from a short write (libtorch's zip writer
// aborts the process) finishes cleanly.
using ByteSink = std::function<void(const void* data, std::size_t size)>;

// Runs on the complete temporary file just before the rename (e.g. to record its checksum).
using BeforeRename = std::function<void(const std::string& temporary)>;

// `write` sends the content to the sink.
void write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& write,
                           const BeforeRename& before_rename = {});

// For libraries that open the file themselves (HDF5, libpng): `write` creates
// and fills the temporary file whose name it is given, throwing on failure.
void write_named_file_atomically(const std::string& path,
                                 const std::function<void(const std::string& temporary)>& write);

void write_text_file(const std::string& path, const std::string& text);

// Creates `folder` and its parents; a full file system is an OutOfSpaceError too.
void create_folder(const std::string& folder);

}  // namespace dap
