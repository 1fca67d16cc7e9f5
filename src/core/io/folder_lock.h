// One writer per folder, across jobs and nodes: an exclusive flock(2) on
// <folder>/.dap-writer.lock, held for the object's lifetime. The kernel drops
// the lock when its holder exits or is killed, so a dead job never blocks the
// next one. The file names the holder (host, pid, Slurm job) for the waiter's log.
#pragma once

#include <functional>
#include <string>

namespace dap {

class FolderLock {
 public:
  // Creates `folder` if needed and takes the lock, waiting as long as another
  // process holds it; `on_wait` is called once, with the holder's description,
  // before waiting. Throws Error when the lock file cannot be opened or locked.
  FolderLock(const std::string& folder, const std::function<void(const std::string& holder)>& on_wait);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  static constexpr const char* kFileName = ".dap-writer.lock";

 private:
  int fd_ = -1;
};

}  // namespace dap
