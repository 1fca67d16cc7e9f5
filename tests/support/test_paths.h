// Where tests find the repository, the build and the fetched assets (ctest sets these).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace dap::testing {

inline std::string env_path(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) {
    ADD_FAILURE() << name << " is not set: run the tests through ctest (scripts/test.sh)";
    return "";
  }
  return value;
}

// A file under assets/ (scripts/fetch_assets.sh puts them there).
inline std::string asset(const std::string& relative) {
  const std::string path = env_path("DAP_ASSETS_DIR") + "/" + relative;
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "missing asset " << path << ": run scripts/fetch_assets.sh";
  }
  return path;
}

// A fresh temporary directory removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dap-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a reference script of tests/python with Debian's python3-torch:
// /usr/bin/python3 tests/python/<script> <args...>. Returns an empty string on
// success, otherwise a message naming the command.
inline std::string run_python_reference(const std::string& script, const std::string& args) {
  const std::string command =
      "/usr/bin/python3 '" + env_path("DAP_SOURCE_DIR") + "/tests/python/" + script + "' " + args;
  if (std::system(command.c_str()) == 0) return "";
  return "reference failed (needs Debian's python3-torch): " + command;
}

}  // namespace dap::testing
