// Which clips fine-tuning and evaluation use: "{split}" substitution, ids
// lists (a split), pseudo-labels joined by id, and the sampler over a subset.
#include <gtest/gtest.h>

#include <fstream>

#include "core/base/error.h"
#include "core/data/clip_selection.h"
#include "core/data/distributed_sampler.h"
#include "finetune/pseudo_labels.h"
#include "support/input_error.h"
#include "support/synthetic_shards.h"
#include "support/test_paths.h"

namespace dap {
namespace {

// Five videos "S-v0".."S-v4" with labels v % 3 = 0 1 2 0 1.
struct FiveClips {
  testing::TempDir dir;
  std::unique_ptr<ShardDataset> data;
  FiveClips() {
    testing::write_synthetic_shards(dir.path(), 4, 4, {2, 2, 2, 2, 2}, 2, "S", testing::pattern_pixel);
    data = std::make_unique<ShardDataset>(std::vector<std::string>{dir.path()});
  }
  std::string list(const std::string& name, const std::vector<std::string>& ids) const {
    std::ofstream out(dir.file(name));
    out << "path,label,id\n";
    for (const auto& id : ids) out << id << ".mp4,0," << id << "\n";
    return dir.file(name);
  }
};

TEST(ClipSelection, SubstitutesEverySplitPlaceholder) {
  EXPECT_EQ(substitute_split("lists/ARID_split{split}_train.txt", "2"), "lists/ARID_split2_train.txt");
  EXPECT_EQ(substitute_split("{split}/{split}", "ab"), "ab/ab");
  EXPECT_EQ(substitute_split("none", "1"), "none");
}

TEST(ClipSelection, WithoutListTakesEveryClipWithTheShardsLabels) {
  FiveClips f;
  const ClipSelection s = select_clips(*f.data, {}, "");
  EXPECT_EQ(s.clips, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(s.labels, (std::vector<int32_t>{0, 1, 2, 0, 1}));
}

TEST(ClipSelection, ListNarrowsToItsIdsAndCountsTheMissing) {
  FiveClips f;
  f.list("split7.csv", {"S-v3", "S-v1", "gone"});
  config::ClipSetConfig set;
  set.ids = f.dir.path() + "/split{split}.csv";
  const ClipSelection s = select_clips(*f.data, set, "7");
  EXPECT_EQ(s.clips, (std::vector<int64_t>{1, 3}));  // data-set order
  EXPECT_EQ(s.listed_not_found, 1);

  f.list("none.csv", {"x", "y"});
  set.ids = f.dir.file("none.csv");
  const std::string error = testing::input_error_of([&] { select_clips(*f.data, set, ""); });
  EXPECT_NE(error.find("none of the 2 videos"), std::string::npos) << error;
  EXPECT_NE(error.find("none.csv"), std::string::npos) << error;
}

TEST(ClipSelection, PseudoLabelsReplaceLabelsAndNarrowTheClips) {
  FiveClips f;
  ClipSelection s = select_clips(*f.data, {}, "");
  apply_pseudo_labels(*f.data, {{"S-v4", 2, 0.9}, {"S-v0", 1, 0.8}, {"other", 0, 0.7}}, "teacher.h5", s);
  EXPECT_EQ(s.clips, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(s.labels, (std::vector<int32_t>{1, -1, -1, -1, 2}));
  EXPECT_EQ(s.listed_not_found, 1);

  ClipSelection all = select_clips(*f.data, {}, "");
  const std::string error =
      testing::input_error_of([&] { apply_pseudo_labels(*f.data, {{"x", 0, 1.0}}, "teacher.h5", all); });
  EXPECT_NE(error.find("no pseudo-label from teacher.h5"), std::string::npos) << error;
}

TEST(ClipSelection, KeepLabelledDropsUnknownLabels) {
  ClipSelection s;
  s.clips = {0, 2, 3};
  s.labels = {1, 0, -1, 2};
  keep_labelled(s);
  EXPECT_EQ(s.clips, (std::vector<int64_t>{0, 3}));
}

TEST(DistributedSampler, SubsetMapsPositionsToItsClips) {
  const std::vector<int64_t> subset = {10, 20, 30, 40, 50, 60};
  const DistributedSampler whole(6, 2, 0, 1, 9);
  const DistributedSampler part(subset, 2, 0, 1, 9);
  EXPECT_EQ(part.steps_per_epoch(), 3);
  for (int64_t step = 0; step < 3; ++step) {
    const auto positions = whole.batch(1, step);
    const auto clips = part.batch(1, step);
    ASSERT_EQ(clips.size(), positions.size());
    for (size_t i = 0; i < clips.size(); ++i) EXPECT_EQ(clips[i], subset[positions[i]]);
  }
}

}  // namespace
}  // namespace dap
