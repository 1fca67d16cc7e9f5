// Results tables: grouping by (table, row, column), mean and sample std,
// first-appearance order, and the exact Markdown / CSV / JSON renderings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "evaluate/result_tables.h"
#include "support/test_paths.h"

namespace dap {
namespace {

// Interleaved on purpose: order must follow first appearance, not input grouping.
std::vector<RunResult> sample_runs() {
  return {
      {"Table 2", "CLIP", "Top-1", "seed 1", 70, "c1.lua"},
      {"Table 4", "PAB, frozen", "A11", "split1", 97, "d1.lua"},
      {"Table 2", "CLIP+DAP", "Top-1", "seed 1", 75, "c5.lua"},
      {"Table 2", "CLIP", "Top-5", "seed 1", 90.5, "c4.lua"},
      {"Table 2", "CLIP", "Top-1", "seed 2", 72, "c2.lua"},
      {"Table 4", "PAB, frozen", "A11", "split2", 98, "d2.lua"},
      {"Table 2", "CLIP", "Top-1", "seed 3", 74, "c3.lua"},
  };
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ResultTables, TaskColumnsGetTheirAverage) {
  // Table 3 as the paper prints it: three SFVDA tasks and their average, per seed.
  const std::vector<RunResult> runs = {
      {"Table 3", "DAP", "K600->A11", "seed0", 50, "k0"}, {"Table 3", "DAP", "MIT->A11", "seed0", 47, "m0"},
      {"Table 3", "DAP", "H51->A11", "seed0", 44, "h0"},  {"Table 3", "DAP", "K600->A11", "seed1", 52, "k1"},
      {"Table 3", "DAP", "MIT->A11", "seed1", 49, "m1"},  {"Table 3", "DAP", "H51->A11", "seed1", 43, "h1"},
      {"Table 3", "only one task", "K600->A11", "seed0", 10, "x"}};
  const auto tables = aggregate_results(runs);
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].columns.back(), "Avg");
  const ResultCell* average = tables[0].find("DAP", "Avg");
  ASSERT_NE(average, nullptr);
  EXPECT_EQ(average->values, (std::vector<double>{47, 48}));  // (50+47+44)/3, (52+49+43)/3
  EXPECT_DOUBLE_EQ(average->mean, 47.5);
  EXPECT_NEAR(average->std_dev, std::sqrt(0.5), 1e-12);
  EXPECT_EQ(tables[0].find("only one task", "Avg"), nullptr);  // a row without every task has none
  // Top-1 / Top-5 tables and single-task tables get no average.
  for (const auto& table : aggregate_results(sample_runs())) {
    EXPECT_EQ(table.find("CLIP", "Avg"), nullptr);
    EXPECT_EQ(std::count(table.columns.begin(), table.columns.end(), "Avg"), 0);
  }
}

TEST(ResultTables, GroupsWithMeanAndSampleStd) {
  const auto tables = aggregate_results(sample_runs());
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].name, "Table 2");
  EXPECT_EQ(tables[0].rows, (std::vector<std::string>{"CLIP", "CLIP+DAP"}));
  EXPECT_EQ(tables[0].columns, (std::vector<std::string>{"Top-1", "Top-5"}));
  const ResultCell* top1 = tables[0].find("CLIP", "Top-1");
  ASSERT_NE(top1, nullptr);
  EXPECT_DOUBLE_EQ(top1->mean, 72.0);
  EXPECT_DOUBLE_EQ(top1->std_dev, 2.0);  // sqrt((4 + 0 + 4) / (3 - 1))
  EXPECT_EQ(top1->n, 3);
  EXPECT_EQ(top1->values, (std::vector<double>{70, 72, 74}));
  EXPECT_EQ(top1->configs, (std::vector<std::string>{"c1.lua", "c2.lua", "c3.lua"}));
  EXPECT_DOUBLE_EQ(tables[0].find("CLIP", "Top-5")->std_dev, 0.0);  // n = 1
  EXPECT_EQ(tables[0].find("CLIP+DAP", "Top-5"), nullptr);
  EXPECT_NEAR(tables[1].find("PAB, frozen", "A11")->std_dev, std::sqrt(0.5), 1e-15);
}

TEST(ResultTables, MarkdownShowsMeanStdAndNWhenItVaries) {
  const std::string expected =
      "## Table 2\n"
      "\n"
      "| | Top-1 | Top-5 |\n"
      "| --- | ---: | ---: |\n"
      "| CLIP | 72.00 ± 2.00 (n=3) | 90.50 ± 0.00 (n=1) |\n"
      "| CLIP+DAP | 75.00 ± 0.00 (n=1) | - |\n"
      "\n"
      "Seeds varied fine-tuning only.\n"
      "\n"
      "## Table 4\n"
      "\n"
      "| | A11 |\n"
      "| --- | ---: |\n"
      "| PAB, frozen | 97.50 ± 0.71 |\n"
      "\n"
      "Mean ± sample std over n = 2 run(s) per cell. Seeds varied fine-tuning only.\n";
  EXPECT_EQ(render_markdown(aggregate_results(sample_runs())), expected);
}

TEST(ResultTables, MarkdownSaysWhatTheSeedsVaried) {
  std::vector<RunResult> runs = {{"T", "DAP", "Top-1", "seed0", 70, "a"}, {"T", "DAP", "Top-1", "seed1", 72, "b"},
                                 {"T", "base", "Top-1", "seed0", 60, "c"}, {"T", "base", "Top-1", "seed1", 61, "d"}};
  for (auto& run : runs) {
    if (run.row == "DAP") run.seed_scope = "chain";
  }
  const std::string md = render_markdown(aggregate_results(runs));
  EXPECT_NE(md.find("Seeds varied the whole chain (pretraining, pseudo-label teacher, fine-tuning) in DAP; "
                    "fine-tuning only in base."),
            std::string::npos)
      << md;
}

TEST(ResultTables, CsvHasOneLinePerCell) {
  const std::string expected =
      "table,row,column,mean,std,n,values,configs\n"
      "Table 2,CLIP,Top-1,72,2,3,70;72;74,c1.lua;c2.lua;c3.lua\n"
      "Table 2,CLIP,Top-5,90.5,0,1,90.5,c4.lua\n"
      "Table 2,CLIP+DAP,Top-1,75,0,1,75,c5.lua\n"
      "Table 4,\"PAB, frozen\",A11,97.5,0.7071067811865476,2,97;98,d1.lua;d2.lua\n";
  EXPECT_EQ(render_csv(aggregate_results(sample_runs())), expected);
}

TEST(ResultTables, JsonIsNestedWithEveryRun) {
  const auto j = render_json(aggregate_results(sample_runs()));
  const auto& cell = j["tables"]["Table 2"]["CLIP"]["Top-1"];
  EXPECT_EQ(cell["mean"], 72.0);
  EXPECT_EQ(cell["std"], 2.0);
  EXPECT_EQ(cell["n"], 3);
  EXPECT_EQ(cell["values"], (std::vector<double>{70, 72, 74}));
  ASSERT_EQ(cell["runs"].size(), 3u);
  EXPECT_EQ(cell["runs"][1]["seed_or_split"], "seed 2");
  EXPECT_EQ(cell["runs"][1]["value"], 72.0);
  EXPECT_EQ(cell["runs"][1]["config"], "c2.lua");
  EXPECT_EQ(j["tables"].begin().key(), "Table 2");  // first appearance
  EXPECT_EQ(j["tables"]["Table 2"].begin().key(), "CLIP");
  EXPECT_FALSE(j["tables"]["Table 2"]["CLIP+DAP"].contains("Top-5"));
  EXPECT_EQ(j["tables"]["Table 4"]["PAB, frozen"]["A11"]["n"], 2);
}

TEST(ResultTables, WritesAllThreeFilesNextToEachOther) {
  testing::TempDir dir;
  const auto tables = aggregate_results(sample_runs());
  write_result_tables(dir.file("results"), "arid", tables);
  EXPECT_EQ(read_file(dir.file("results/arid.md")), render_markdown(tables));
  EXPECT_EQ(read_file(dir.file("results/arid.csv")), render_csv(tables));
  EXPECT_EQ(nlohmann::ordered_json::parse(read_file(dir.file("results/arid.json"))), render_json(tables));
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("results"))) {
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
}

TEST(ResultTables, NoRunsGiveEmptyTables) {
  const auto tables = aggregate_results({});
  EXPECT_TRUE(tables.empty());
  EXPECT_EQ(render_markdown(tables), "");
  EXPECT_EQ(render_csv(tables), "table,row,column,mean,std,n,values,configs\n");
}

}  // namespace
}  // namespace dap
