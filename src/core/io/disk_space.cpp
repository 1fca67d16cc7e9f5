#include "core/io/disk_space.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace dap {
namespace {

// A probe this large is refused by a file system (or quota) that a failed write has left nearly full.
constexpr size_t kProbeBytes = 1 << 20;

// Writes kProbeBytes of incompressible bytes (a compressing file system would store zeros for free)
// to a scratch file in `folder` and removes it; returns the errno of the first failure, or 0.
int probe_write(const std::string& folder) {
  const std::string name = ".dap-space-probe-" + std::to_string(::getpid());
  const std::string path = (std::filesystem::path(folder) / name).string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  std::vector<unsigned char> block(64 << 10);
  uint32_t state = 2463534242u;
  for (auto& byte : block) {  // xorshift: cheap bytes no compressor shrinks
    state ^= state << 13, state ^= state >> 17, state ^= state << 5;
    byte = static_cast<unsigned char>(state);
  }
  int failure = 0;
  for (size_t written = 0; written < kProbeBytes && failure == 0;) {
    const ssize_t n = ::write(fd, block.data(), block.size());
    if (n >= 0) {
      written += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      failure = errno;
    }
  }
  if (failure == 0 && ::fsync(fd) != 0) failure = errno;  // network file systems report ENOSPC here
  ::close(fd);
  ::unlink(path.c_str());
  return failure;
}

// `folder`, or its nearest parent that exists (the folder may be about to be created).
std::string existing_folder(const std::string& folder) {
  std::filesystem::path existing = folder.empty() ? "." : folder;
  std::error_code ignored;
  while (!std::filesystem::is_directory(existing, ignored) && existing.has_parent_path() &&
         existing.parent_path() != existing) {
    existing = existing.parent_path();
  }
  return std::filesystem::is_directory(existing, ignored) ? existing.string() : ".";
}

}  // namespace

bool is_out_of_space_errno(int error_number) { return error_number == ENOSPC || error_number == EDQUOT; }

int out_of_space_errno(const std::string& folder) {
  const int failure = probe_write(existing_folder(folder));  // creating the folder itself may be what failed
  return is_out_of_space_errno(failure) ? failure : 0;
}

OutOfSpaceError out_of_space_error(const std::string& path, int error_number) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  return OutOfSpaceError("out of disk space: cannot write " + path + ": " + std::strerror(error_number) +
                         ". Free space in " + folder + " (see df -h " + folder +
                         "; or raise your quota), then run the same command again: it continues from what "
                         "was finished, and nothing half-written was kept");
}

int64_t free_bytes(const std::string& folder) {
  struct statvfs info {};
  if (::statvfs(existing_folder(folder).c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.f_bavail) * static_cast<int64_t>(info.f_frsize);
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) bytes /= 1024, ++unit;
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

}  // namespace dap
