#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/base/error.h"
#include "core/io/disk_space.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

std::string temporary_of(const std::string& path) { return path + ".tmp"; }

std::string folder_of(const std::string& path) {
  const std::string folder = fs::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

// The temporary file is removed and the failure (an errno) reported for `path`.
[[noreturn]] void fail(const std::string& path, int error_number) {
  std::remove(temporary_of(path).c_str());
  if (is_out_of_space_errno(error_number)) throw out_of_space_error(path, error_number);
  throw Error("cannot write " + path + ": " + std::strerror(error_number));
}

// fsync: a network file system may report a full disk or quota only here.
int sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int error_number = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error_number;
}

void rename_into_place(const std::string& path, const BeforeRename& before_rename) {
  const std::string temporary = temporary_of(path);
  try {
    if (before_rename) before_rename(temporary);
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
  std::error_code failed;
  fs::rename(temporary, path, failed);
  if (failed) fail(path, failed.value());
}

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& write,
                           const BeforeRename& before_rename) {
  const std::string temporary = temporary_of(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail(path, errno);
  int error_number = 0;  // the first failure; later pieces are dropped
  const ByteSink sink = [&](const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (error_number == 0 && size > 0) {
      const ssize_t n = ::write(fd, bytes, size);
      if (n < 0) {
        if (errno != EINTR) error_number = errno;
        continue;
      }
      bytes += n;
      size -= static_cast<std::size_t>(n);
    }
  };
  try {
    write(sink);
  } catch (...) {
    ::close(fd);
    std::remove(temporary.c_str());
    throw;
  }
  if (error_number == 0 && ::fsync(fd) != 0) error_number = errno;
  if (::close(fd) != 0 && error_number == 0) error_number = errno;
  if (error_number != 0) fail(path, error_number);
  rename_into_place(path, before_rename);
}

void write_named_file_atomically(const std::string& path,
                                 const std::function<void(const std::string& temporary)>& write) {
  const std::string temporary = temporary_of(path);
  int error_number = 0;
  try {
    write(temporary);
    error_number = sync_file(temporary);
  } catch (const OutOfSpaceError&) {
    std::remove(temporary.c_str());
    throw;
  } catch (...) {
    // The library's error seldom carries errno: ask the folder, while the partial file still holds the space.
    const int space = out_of_space_errno(folder_of(path));
    std::remove(temporary.c_str());
    if (space != 0) throw out_of_space_error(path, space);
    throw;
  }
  if (error_number != 0) fail(path, error_number);
  rename_into_place(path, {});
}

void write_text_file(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](const ByteSink& sink) { sink(text.data(), text.size()); });
}

void create_folder(const std::string& folder) {
  std::error_code failed;
  fs::create_directories(folder, failed);
  if (!failed) return;
  if (is_out_of_space_errno(failed.value())) throw out_of_space_error(folder, failed.value());
  throw Error("cannot create folder " + folder + ": " + failed.message());
}

}  // namespace dap
