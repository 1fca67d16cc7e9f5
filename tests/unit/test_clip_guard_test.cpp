// No test clip is seen in pretraining (core/data/test_clip_guard.h), checked
// with ARID's own split lists and the shipped ARID configs: each split's
// pretraining reads its own training list, disjoint from its test list, and an
// adapter pretrained on another split's training clips is refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/config/config_binding.h"
#include "core/config/config_tree.h"
#include "core/config/experiment_config.h"
#include "core/data/clip_selection.h"
#include "core/data/manifest.h"
#include "core/data/test_clip_guard.h"
#include "support/test_paths.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

// $ARID_ROOT/raw/list_cvt/ARID_split{1,2,3}_{train,test}.txt, as the configs expect them.
class AridLists : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_.file("raw/list_cvt"));
    for (const std::string split : {"1", "2", "3"}) {
      for (const std::string part : {"train", "test"}) {
        const std::string name = "ARID_split" + split + "_" + part + ".txt";
        fs::copy_file(testing::asset("arid/ARID_v1_" + name), root_.file("raw/list_cvt/" + name));
      }
    }
    ASSERT_EQ(::setenv("ARID_ROOT", root_.path().c_str(), 1), 0);
  }
  void TearDown() override { ::unsetenv("ARID_ROOT"); }

  config::ExperimentConfig experiment(const std::string& file, const std::string& split) const {
    const std::string path = testing::env_path("DAP_SOURCE_DIR") + "/lua/" + file;
    return config::bind_config<config::ExperimentConfig>(config::load_config(path, {"run.split=" + split}));
  }

  std::vector<std::string> list_ids(const std::string& name) const {
    std::vector<std::string> ids;
    for (const auto& entry : read_manifest(root_.file("raw/list_cvt/" + name), "arid")) ids.push_back(entry.id);
    return ids;
  }

  testing::TempDir root_;
};

TEST_F(AridLists, EachSplitIsPretrainedOnClipsDisjointFromItsTestClips) {
  for (const std::string file : {"arid_clip_vit.lua", "arid_r2plus1d.lua"}) {
    for (const std::string split : {"1", "2", "3"}) {
      SCOPED_TRACE(file + ", split " + split);
      const config::ExperimentConfig c = experiment(file, split);
      const auto& set = c.pretrain.data;
      std::vector<std::string> pretrained_on;
      for (const auto& entry : read_manifest(substitute_split(set.ids, c.run.split), set.ids_format)) {
        pretrained_on.push_back(entry.id);
      }
      const std::set<std::string> test = test_clip_ids(c);
      EXPECT_GT(pretrained_on.size(), 2000u);
      EXPECT_GT(test.size(), 800u);
      for (const auto& id : pretrained_on) EXPECT_EQ(test.count(id), 0u) << id;
      EXPECT_NO_THROW(refuse_test_clips_in_pretraining(pretrained_on, test, split, "adapter.pt", "key"));
    }
  }
}

TEST_F(AridLists, AnAdapterPretrainedOnAnotherSplitsClipsIsRefused) {
  // Split 1's training list holds 463 of split 2's 859 test clips.
  const std::vector<std::string> split1_train = list_ids("ARID_split1_train.txt");
  const std::set<std::string> split2_test = test_clip_ids(experiment("arid_clip_vit.lua", "2"));
  ASSERT_EQ(split2_test.size(), 859u);
  try {
    refuse_test_clips_in_pretraining(split1_train, split2_test, "2", "runs/x/pretrain/split1/adapter.pt",
                                     "finetune.init_adapter");
    FAIL() << "split 1's adapter was accepted for split 2";
  } catch (const BadInputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("finetune.init_adapter: 'runs/x/pretrain/split1/adapter.pt' was pretrained on 463 of "
                           "the 859 test clips of split 2"),
              std::string::npos)
        << message;
  }
}

}  // namespace
}  // namespace dap
