// Collecting run results for the tables from evaluate/*/metrics.json, with
// hand-computed means and sample standard deviations.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/base/error.h"
#include "evaluate/result_collection.h"
#include "support/input_error.h"
#include "support/test_paths.h"

namespace dap {
namespace {

void write_metrics(const std::string& run, const std::string& name, const nlohmann::ordered_json& result, double top1,
                   double top5) {
  const auto folder = std::filesystem::path(run) / "evaluate" / name;
  std::filesystem::create_directories(folder);
  nlohmann::ordered_json metrics = {{"result", result}, {"count", 10}, {"top1", top1}, {"top5", top5}};
  std::ofstream(folder / "metrics.json") << metrics.dump();
}

TEST(ResultCollection, TwoColumnsWithoutAColumnLabelOneWithIt) {
  const auto both = run_results_from_metrics({{"result", result_label("T", "r", "", "seed0")}, {"top1", 70.0},
                                              {"top5", 95.0}},
                                             "c.lua", "m.json");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].column, "Top-1");
  EXPECT_EQ(both[0].value, 70.0);
  EXPECT_EQ(both[1].column, "Top-5");
  EXPECT_EQ(both[1].value, 95.0);
  EXPECT_EQ(both[1].config_path, "c.lua");
  const auto one = run_results_from_metrics({{"result", result_label("T", "r", "K600->A11", "seed2")},
                                             {"top1", 48.5}, {"top5", 90.0}},
                                            "c.lua", "m.json");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].column, "K600->A11");
  EXPECT_EQ(one[0].value, 48.5);
  EXPECT_EQ(one[0].seed_or_split, "seed2");
  const std::string error =
      testing::input_error_of([] { run_results_from_metrics({{"top1", 1.0}}, "c.lua", "runs/x/metrics.json"); });
  EXPECT_NE(error.find("runs/x/metrics.json"), std::string::npos) << error;
}

TEST(ResultCollection, SplitsOfTwoRunsAggregateToHandValues) {
  testing::TempDir dir;
  const std::string dap = dir.file("dap"), base = dir.file("baseline");
  // DAP: 74, 76, 78 -> mean 76, sample std 2. Baseline: 66, 68 -> 67, std sqrt(2).
  write_metrics(dap, "split3-seed0", result_label("Table 2", "DAP", "", "split3"), 78, 99);
  write_metrics(dap, "split1-seed0", result_label("Table 2", "DAP", "", "split1"), 74, 97);
  write_metrics(dap, "split2-seed0", result_label("Table 2", "DAP", "", "split2"), 76, 98);
  write_metrics(base, "split1-seed0", result_label("Table 2", "baseline", "", "split1"), 66, 90);
  write_metrics(base, "split2-seed0", result_label("Table 2", "baseline", "", "split2"), 68, 92);
  std::filesystem::create_directories(std::filesystem::path(base) / "evaluate" / "no-metrics-here");

  const auto runs = collect_run_results({base, dap});
  ASSERT_EQ(runs.size(), 10u);
  EXPECT_EQ(runs[0].row, "baseline");  // folders in the given order
  EXPECT_EQ(runs[4].seed_or_split, "split1");  // names sorted within a folder
  const auto tables = aggregate_results(runs);
  ASSERT_EQ(tables.size(), 1u);
  const ResultCell* d = tables[0].find("DAP", "Top-1");
  ASSERT_NE(d, nullptr);
  EXPECT_DOUBLE_EQ(d->mean, 76.0);
  EXPECT_DOUBLE_EQ(d->std_dev, 2.0);
  EXPECT_EQ(d->n, 3);
  const ResultCell* b = tables[0].find("baseline", "Top-5");
  ASSERT_NE(b, nullptr);
  EXPECT_DOUBLE_EQ(b->mean, 91.0);
  EXPECT_DOUBLE_EQ(b->std_dev, std::sqrt(2.0));
}

TEST(ResultCollection, NothingFoundNamesTheFolders) {
  testing::TempDir dir;
  const std::string error = testing::input_error_of([&] { collect_run_results({dir.file("empty_run")}); });
  EXPECT_NE(error.find("empty_run/evaluate"), std::string::npos) << error;
}

}  // namespace
}  // namespace dap
