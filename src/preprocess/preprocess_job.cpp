#include "preprocess/preprocess_job.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "core/base/blas_threads.h"
#include "core/base/error.h"
#include "core/base/exit_codes.h"
#include "core/base/log.h"
#include "core/base/phase_times.h"
#include "core/base/progress.h"
#include "core/config/config_binding.h"
#include "core/data/manifest.h"
#include "core/dist/shared_counters.h"
#include "core/dist/shared_failure.h"
#include "core/dist/stall_watchdog.h"
#include "core/io/atomic_file.h"
#include "core/io/folder_lock.h"
#include "core/io/sha256.h"
#include "core/io/shard_format.h"
#include "core/io/shard_index.h"
#include "core/io/shard_writer.h"
#include "core/models/sci_enhancer.h"
#include "core/models/torch_threads.h"
#include "core/run/run_layout.h"
#include "preprocess/rank_worker.h"
#include "preprocess/space_estimate.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace dap {
namespace {

// Counters shared by all ranks (on rank 0).
enum Counter {
  kNextVideo = 0,
  kVideosDone = 1,
  kFramesDone = 2,
  kOutOfSpace = 3,     // raised by a rank whose disk filled up: the others stop claiming videos
  kSpaceReported = 4,  // raised by the rank that reports the disk space estimate
  kCounterCount = 5
};

std::vector<std::string> class_names_of(const config::PreprocessConfig& c) {
  if (!c.data.class_names.empty() || c.data.class_map.empty()) return c.data.class_names;
  return read_class_map(c.data.class_map);
}

// Pending work, longest (largest) files first: the last videos handed out are
// the short ones, which keeps the ranks' finishing times close.
std::vector<ManifestEntry> pending_videos(const std::vector<ManifestEntry>& manifest, const std::set<std::string>& done,
                                          const std::string& root) {
  std::vector<std::pair<uintmax_t, ManifestEntry>> sized;
  for (const auto& entry : manifest) {
    if (done.count(entry.id)) continue;
    std::error_code error;
    const uintmax_t bytes = fs::file_size(fs::path(root) / entry.path, error);
    sized.emplace_back(error ? 0 : bytes, entry);
  }
  std::stable_sort(sized.begin(), sized.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<ManifestEntry> result;
  for (auto& [bytes, entry] : sized) result.push_back(std::move(entry));
  return result;
}

json entries_to_json(const std::vector<ManifestEntry>& entries) {
  json list = json::array();
  for (const auto& e : entries) list.push_back({e.path, e.label, e.id});
  return list;
}

std::vector<ManifestEntry> entries_from_json(const json& list) {
  std::vector<ManifestEntry> entries;
  for (const auto& item : list) {
    ManifestEntry e;
    e.path = item.at(0);
    e.label = item.at(1);
    e.id = item.at(2);
    entries.push_back(e);
  }
  return entries;
}

std::string session_token() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%d-%H%M%S", std::gmtime(&now));
  return text;
}

ShardSettings shard_settings(const config::PreprocessConfig& c, const ShardIndex& index) {
  ShardSettings settings;
  settings.height = c.resize.height;
  settings.width = c.resize.width;
  settings.compression = c.output.compression;
  settings.compression_level = c.output.compression_level;
  settings.shuffle = c.output.shuffle;
  settings.enhancer = index.enhancer;
  settings.enhancer_sha256 = index.enhancer_sha256;
  settings.config_text = index.config_text;
  settings.settings_sha256 = index.settings_sha256;
  return settings;
}

void merge_rank_reports(const std::vector<std::string>& reports, ShardIndex* index) {
  for (const auto& text : reports) decode_shard_results(text, &index->shards, &index->failures);
  std::sort(index->shards.begin(), index->shards.end(),
            [](const ShardSummary& a, const ShardSummary& b) { return a.file < b.file; });
}

void write_run_record(const StageContext& stage, const std::string& folder, const ShardIndex& index,
                      double seconds) {
  const fs::path run_dir = stage_folder(stage.config, "preprocess");
  create_folder(run_dir.string());
  write_text_file((run_dir / "config.lua").string(), stage.resolved_config);
  const json summary = {{"shard_folder", fs::absolute(folder).string()},
                        {"videos", index.video_count()},
                        {"frames", index.frame_count()},
                        {"bytes", index.byte_count()},
                        {"failures", index.failures.size()},
                        {"seconds", seconds},
                        {"ranks", stage.mpi.size()}};
  write_text_file((run_dir / "summary.json").string(), summary.dump(2) + "\n");
}

}  // namespace

int run_preprocess(const StageContext& stage) {
  const config::PreprocessConfig& c = stage.config.preprocess;
  MpiContext& mpi = stage.mpi;
  config::require_preprocess_inputs(stage.tree, stage.config);
  set_torch_threads(c.threads.intra_op);
  set_openblas_threads(c.threads.openblas);

  const std::vector<ManifestEntry> manifest = read_manifest(c.data.manifest, c.data.manifest_format);
  const std::string settings_sha256 = preprocess_settings_sha256(c);
  const std::string folder = preprocess_output_folder(c, settings_sha256);
  auto enhancer = make_enhancer(c);

  ShardIndex index;
  index.height = c.resize.height;
  index.width = c.resize.width;
  index.enhancer = enhancer->name();
  index.enhancer_sha256 = enhancer->weights_sha256();
  index.settings_sha256 = settings_sha256;
  index.config_text = stage.resolved_config;
  index.class_names = class_names_of(c);
  index.manifest_videos = static_cast<int64_t>(manifest.size());
  for (const auto& entry : manifest) {
    if (!entry.domain.empty()) index.domains[entry.id] = entry.domain;
    if (!entry.split.empty()) index.splits[entry.id] = entry.split;
  }

  // Will the shards fit? Told up front when their compression is known (uncompressed, or measured on a
  // shard an earlier run left), else by the rank that writes the first shard of this run.
  SpaceEstimate space(c, folder);

  // Rank 0 holds the folder's writer lock until every rank is done, so a second
  // job on the same folder waits, then reuses what this one finished (and never
  // removes the temporary files of a job still writing). Rank 0 inspects the
  // folder and decides what is left to do; everyone gets the list.
  std::unique_ptr<FolderLock> lock;
  std::string work_text;
  if (mpi.is_root()) {
    lock = std::make_unique<FolderLock>(folder, [&](const std::string& holder) {
      spdlog::info("{} is being written by {}; waiting for it to finish", folder, holder);
    });
    std::vector<std::string> removed;
    index.shards = collect_complete_shards(folder, index.settings_sha256, &removed);
    for (const auto& r : removed) spdlog::warn("removed incomplete file from an earlier run: {}", r);
    std::set<std::string> done;
    for (const auto& s : index.shards) done.insert(s.video_ids.begin(), s.video_ids.end());
    if (!index.shards.empty()) {
      spdlog::info("resuming: {} complete shard(s) with {} videos reused from {}", index.shards.size(), done.size(),
                   folder);
    }
    const auto pending = pending_videos(manifest, done, c.data.root);
    if (!index.shards.empty()) space.measure(index.shards.front());
    if (space.known() && !pending.empty()) space.report(static_cast<int64_t>(pending.size()));
    work_text = json{{"session", session_token()},
                     {"videos", entries_to_json(pending)},
                     {"space_reported", space.known()}}
                    .dump();
  }
  const json work = [&] {
    UnboundedWait checking_shards;  // rank 0 reads every existing shard's checksum first
    return json::parse(broadcast_string(work_text));
  }();
  const std::vector<ManifestEntry> pending = entries_from_json(work.at("videos"));
  if (mpi.is_root()) spdlog::info("{} of {} videos to process into {}", pending.size(), manifest.size(), folder);
  bool space_reported = work.at("space_reported");

  RankWorker worker(c, shard_settings(c, index), folder, work.at("session"), mpi.rank());
  ProgressReporter progress("videos", static_cast<int64_t>(pending.size()), c.progress_seconds);
  int64_t run_frames = 0;
  std::string out_of_space;  // this rank's, when its disk or quota filled up
  {
    SharedCounters counters(kCounterCount);
    try {
      // A rank that ran out of space raises kOutOfSpace: the others stop claiming videos.
      for (int64_t next = counters.fetch_add(kNextVideo, 1);
           next < static_cast<int64_t>(pending.size()) && counters.read(kOutOfSpace) == 0;
           next = counters.fetch_add(kNextVideo, 1)) {
        const int64_t frames_before = worker.frames();
        worker.process(pending[next], *enhancer);
        counters.fetch_add(kFramesDone, worker.frames() - frames_before);
        const int64_t done = counters.fetch_add(kVideosDone, 1) + 1;
        if (mpi.is_root()) progress.update(done, counters.read(kFramesDone));
        if (!space_reported && worker.shards_written() > 0) {
          space_reported = true;
          if (counters.fetch_add(kSpaceReported, 1) == 0) {  // the first shard of the run, on any rank
            space.measure(worker.shards().front());
            const int64_t left = static_cast<int64_t>(pending.size()) - counters.read(kVideosDone);
            if (left > 0) space.report(left);
          }
        }
      }
      worker.finish();
    } catch (const OutOfSpaceError& e) {
      out_of_space = e.what();
      worker.abandon();
      counters.fetch_add(kOutOfSpace, 1);
    }
    barrier();  // all ranks done before the counters go away
    run_frames = counters.read(kFramesDone);
    if (mpi.is_root() && out_of_space.empty()) progress.update(counters.read(kVideosDone), run_frames, /*force=*/true);
  }
  // Every rank ends alike when any ran out of space; the complete shards stay and a rerun reuses them.
  share_out_of_space(out_of_space);

  spdlog::info("rank finished: {} video(s) claimed, {} frames, {} shard(s) written", worker.videos_claimed(),
               worker.frames(), worker.shards_written());
  if (phase_times::enabled()) spdlog::info("phase times (s, this rank): {}", phase_times::summary_json());
  const std::vector<std::string> reports = gather_strings(worker.report());
  // Rank 0 writes the index; the others wait to learn whether it fitted on the disk.
  int exit_code = kExitOk;
  write_on_root(mpi.is_root(), [&] {
    merge_rank_reports(reports, &index);
    write_shard_index(folder, index);
    const double seconds = progress.elapsed_seconds();
    write_run_record(stage, folder, index, seconds);
    spdlog::info("summary: {} videos, {} frames in {} shard(s), {:.1f} MiB, {} failure(s); {} in {:.1f} s "
                 "({:.2f} videos/s, {:.1f} frames/s this run)",
                 index.video_count(), index.frame_count(), index.shards.size(), index.byte_count() / 1048576.0,
                 index.failures.size(), folder, seconds, pending.size() / std::max(seconds, 1e-9),
                 run_frames / std::max(seconds, 1e-9));
    for (const auto& f : index.failures) spdlog::warn("failed: {} ({}): {}", f.id, f.path, f.reason);
    const double failure_fraction =
        manifest.empty() ? 0.0 : static_cast<double>(index.failures.size()) / static_cast<double>(manifest.size());
    if (failure_fraction > c.max_failure_fraction) {
      spdlog::error("{} of {} videos failed ({:.1f}%), above preprocess.max_failure_fraction = {}; see {}/{}",
                    index.failures.size(), manifest.size(), 100 * failure_fraction, c.max_failure_fraction, folder,
                    shard::kIndexFileName);
      exit_code = kExitBadInput;
    }
  });
  return exit_code;
}

}  // namespace dap

