// dap-evaluate's HTML report: base64 (RFC 4648's vectors), a config's leaves,
// the settings a row changes, and the page's escaping and embedded figures.
#include <gtest/gtest.h>

#include <fstream>

#include "core/config/config_leaves.h"
#include "core/io/base64.h"
#include "evaluate/html_report.h"
#include "evaluate/report_contents.h"
#include "support/test_paths.h"

namespace dap {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},   {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [text, encoded] : vectors) EXPECT_EQ(base64_encode(text.data(), text.size()), encoded) << text;
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xfb, 0xff, 0xfe}), "+//+");
}

TEST(ConfigLeaves, DottedPathsAndLuaValues) {
  testing::TempDir dir;
  std::ofstream(dir.file("c.lua")) << "return { a = { b = 8, c = 0.5, d = { 1, 2 }, e = {} }, f = true, "
                                      "g = \"x \\\"y\\\"\" }";
  const auto leaves = config::config_leaves(config::load_config(dir.file("c.lua")).root);
  const std::map<std::string, std::string> expected = {{"a.b", "8"},        {"a.c", "0.5"}, {"a.d", "{ 1, 2 }"},
                                                       {"a.e", "{}"},       {"f", "true"},  {"g", "\"x \\\"y\\\"\""}};
  EXPECT_EQ(leaves, expected);
}

TEST(HtmlReport, SettingDifferencesNameWhatChangedButNotTheRowLabel) {
  const std::map<std::string, std::string> reference = {
      {"finetune.seed", "0"}, {"finetune.lr", "0.002"}, {"evaluate.result.row", "\"full\""}, {"only.first", "1"}};
  const std::map<std::string, std::string> row = {
      {"finetune.seed", "0"}, {"finetune.lr", "0.001"}, {"evaluate.result.row", "\"ablated\""}, {"only.second", "2"}};
  const auto differences = setting_differences(reference, row);
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_EQ(differences[0].key, "finetune.lr");
  EXPECT_EQ(differences[0].value, "0.001");
  EXPECT_EQ(differences[0].reference, "0.002");
  EXPECT_EQ(differences[1].key, "only.first");
  EXPECT_EQ(differences[1].value, "(absent)");
  EXPECT_EQ(differences[2].key, "only.second");
  EXPECT_EQ(differences[2].reference, "(absent)");
}

TEST(HtmlReport, EscapesTextAndEmbedsFigures) {
  HtmlReport report;
  report.title = "a <b> & \"c\"";
  RunResult first{"T", "full", "Top-1", "seed 0", 75.0, "/runs/a/config.lua"};
  RunResult second{"T", "x<y", "Top-1", "seed 0", 50.0, "/runs/b/config.lua"};
  report.tables = aggregate_results({first, second});
  report.settings = {{RowSettings{}, RowSettings{{{"finetune.lr", "0.001", "0.002"}}, ""}}};
  ReportSection section;
  section.title = "b";
  // A PNG's signature and IHDR: width 3, height 2.
  section.images.push_back({"fig <1>", {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                        0, 0, 0, 3, 0, 0, 0, 2}});
  report.experiments.push_back(section);
  const std::string html = render_html_report(report);
  EXPECT_NE(html.find("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th>x&lt;y</th><td class=\"number\">50.00 &plusmn; 0.00</td>"), std::string::npos);
  EXPECT_NE(html.find("(the reference row)"), std::string::npos);
  EXPECT_NE(html.find("<code>finetune.lr = 0.001</code> <span class=\"was\">(first row: 0.002)</span>"),
            std::string::npos);
  EXPECT_NE(html.find("alt=\"fig &lt;1&gt;\" width=\"3\" height=\"2\" src=\"data:image/png;base64,iVBORw0KGgo"),
            std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace dap
