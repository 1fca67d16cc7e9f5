#include "core/io/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/base/error.h"

namespace dap {
namespace {

std::string describe_this_process() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  const char* job = std::getenv("SLURM_JOB_ID");
  return std::string("host ") + host + ", pid " + std::to_string(getpid()) +
         (job ? std::string(", Slurm job ") + job : std::string());
}

std::string read_holder(int fd) {
  char text[512] = {0};
  const ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
  return n > 0 ? std::string(text, static_cast<size_t>(n)) : std::string("another process");
}

}  // namespace

FolderLock::FolderLock(const std::string& folder, const std::function<void(const std::string& holder)>& on_wait) {
  std::filesystem::create_directories(folder);
  const std::string path = (std::filesystem::path(folder) / kFileName).string();
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  if (fd_ < 0) throw Error("cannot open the lock file '" + path + "': " + std::strerror(errno));
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw Error("cannot lock '" + path + "': " + std::strerror(errno));
    if (on_wait) on_wait(read_holder(fd_));
    while (flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw Error("cannot lock '" + path + "': " + std::strerror(errno));
    }
  }
  const std::string me = describe_this_process();
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The description only helps a waiter's log; the lock itself holds.
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

}  // namespace dap
