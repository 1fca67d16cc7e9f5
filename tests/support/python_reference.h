// A test suite checked against one reference script of tests/python: the script
// runs once per suite (SetUpTestSuite) and writes OUT/inputs.pt and
// OUT/expected.pt (torch.save state dicts); each test reads them by key.
// Usage:
//   inline constexpr char kScript[] = "ref_dino_training.py";
//   class DinoReference : public testing::PythonReference<kScript> {};
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/models/torch_checkpoint.h"
#include "support/test_paths.h"

namespace dap::testing {

template <const char* Script>
class PythonReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    error_ = run_python_reference(Script, "'" + dir_->path() + "'");
    if (error_.empty()) {
      inputs_ = load_torch_state_dict(dir_->file("inputs.pt"));
      expected_ = load_torch_state_dict(dir_->file("expected.pt"));
    }
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override { ASSERT_TRUE(error_.empty()) << error_; }

  static const torch::Tensor& in(const std::string& key) { return inputs_.at(key); }
  static const torch::Tensor& want(const std::string& key) { return expected_.at(key); }

 private:
  static inline std::unique_ptr<TempDir> dir_;
  static inline std::string error_;
  static inline StateDict inputs_, expected_;
};

}  // namespace dap::testing
