// Manifest reading: native CSV and the importers for the real ARID, UG2 and Daily-DA lists.
#include <gtest/gtest.h>

#include <fstream>

#include "core/base/error.h"
#include "core/data/manifest.h"
#include "support/test_paths.h"

namespace dap {
namespace {

TEST(Manifest, ReadsTheRealAridSplitLists) {
  const auto train = read_manifest(testing::asset("arid/ARID_v1_ARID_split1_train.txt"), "arid");
  const auto test = read_manifest(testing::asset("arid/ARID_v1_ARID_split1_test.txt"), "arid");
  EXPECT_EQ(train.size(), 2288u);  // METHOD.md 7: split 1 has 2288 train / 823 test clips
  EXPECT_EQ(test.size(), 823u);
  EXPECT_EQ(train.front().path, "Drink/Drink_11_1.avi");
  EXPECT_EQ(train.front().label, 0);
  EXPECT_EQ(train.front().id, "Drink/Drink_11_1");
  for (const auto& e : train) {
    EXPECT_GE(e.label, 0);
    EXPECT_LE(e.label, 10);
  }
}

TEST(Manifest, ReadsTheAridClassMap) {
  const auto names = read_class_map(testing::asset("arid/ARID_v1_mapping_table.txt"));
  ASSERT_EQ(names.size(), 11u);
  EXPECT_EQ(names.front(), "Drink");
  EXPECT_EQ(names.back(), "Wave");
}

TEST(Manifest, ReadsTheUg2Csv) {
  const auto train = read_manifest(testing::asset("arid/UG2_ARID1.1_t1_train_pub.csv"), "ug2");
  EXPECT_EQ(train.size(), 1837u);
  EXPECT_EQ(train.front().path, "Wave/Wave_10_1.mp4");
  EXPECT_EQ(train.front().label, 10);
  const auto validation = read_manifest(testing::asset("arid/UG2_ARID1.1_t1_validation_gt_pub.csv"), "ug2");
  EXPECT_EQ(validation.front().label, -1);  // no ClassID column: unlabeled
}

TEST(Manifest, ReadsDailyDaListsAndNativeCsv) {
  testing::TempDir dir;
  std::ofstream(dir.file("k600.txt")) << "0\t3\tpour/abc.mp4\n1\t7\twave/x y.mp4\n\n";
  const auto daily = read_manifest(dir.file("k600.txt"), "dailyda");
  ASSERT_EQ(daily.size(), 2u);
  EXPECT_EQ(daily[1].path, "wave/x");  // whitespace separates fields, as in the data set's lists
  std::ofstream(dir.file("m.csv")) << "path,label,domain,split,id\n\"a,b.mp4\",2,A11,train,first\nc.mp4,-1,,,\n";
  const auto csv = read_manifest(dir.file("m.csv"), "csv");
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_EQ(csv[0].path, "a,b.mp4");
  EXPECT_EQ(csv[0].domain, "A11");
  EXPECT_EQ(csv[0].id, "first");
  EXPECT_EQ(csv[1].label, -1);
  EXPECT_EQ(csv[1].id, "c");
  // Round trip through the writer.
  write_manifest_csv(dir.file("back.csv"), csv);
  const auto back = read_manifest(dir.file("back.csv"), "csv");
  EXPECT_EQ(back[0].path, "a,b.mp4");
  EXPECT_EQ(back[1].id, "c");
}

TEST(Manifest, ErrorsNameTheFileAndLine) {
  testing::TempDir dir;
  std::ofstream(dir.file("bad.csv")) << "path,label\nok.mp4,1\nbad.mp4,seven\n";
  try {
    read_manifest(dir.file("bad.csv"), "csv");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("noheader.csv")) << "file,class\n";
  EXPECT_THROW(read_manifest(dir.file("noheader.csv"), "csv"), InputError);
  std::ofstream(dir.file("dup.csv")) << "path,label\na.mp4,1\na.avi,1\n";
  EXPECT_THROW(read_manifest(dir.file("dup.csv"), "csv"), InputError);  // both have id "a"
  EXPECT_THROW(read_manifest(dir.file("missing.csv"), "csv"), InputError);
}

}  // namespace
}  // namespace dap
