// Synthetic shard folders for the data pipeline tests (shard dataset, clip
// views, batch loader): gzip shards plus index.json written with ShardWriter,
// whose pixels follow a function of (video, frame, y, x, channel) so tests can
// check every value they read back.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/io/shard_index.h"
#include "core/io/shard_writer.h"

namespace dap::testing {

using PixelFunction = std::function<uint8_t(int video, int frame, int y, int x, int c)>;

// A pattern that differs between videos, frames, rows, columns and channels.
inline uint8_t pattern_pixel(int video, int frame, int y, int x, int c) {
  return static_cast<uint8_t>(video * 61 + frame * 29 + y * 7 + x * 3 + c * 85);
}

// A folder of gzip shards plus index.json: video v (ids "<tag>-v<v>", labels v % 3)
// has frames_per_video[v] frames, original pixel(v, f, y, x, c), enhanced 255 - that.
inline void write_synthetic_shards(const std::string& folder, int height, int width,
                                   const std::vector<int>& frames_per_video, int videos_per_shard,
                                   const std::string& tag, const PixelFunction& pixel) {
  ShardSettings settings;
  settings.height = height;
  settings.width = width;
  settings.enhancer = "sci";
  settings.settings_sha256 = "synthetic";
  ShardIndex index;
  index.height = height;
  index.width = width;
  index.class_names = {"drink", "jump", "run"};
  index.manifest_videos = static_cast<int64_t>(frames_per_video.size());
  for (size_t first = 0; first < frames_per_video.size(); first += videos_per_shard) {
    ShardWriter writer(folder + "/shard-" + tag + "-" + std::to_string(first) + ".h5", settings);
    for (size_t v = first; v < std::min(frames_per_video.size(), first + videos_per_shard); ++v) {
      VideoFrames video;
      video.id = tag + "-v" + std::to_string(v);
      video.label = static_cast<int32_t>(v % 3);
      video.source_fps = 30.0f;
      for (int f = 0; f < frames_per_video[v]; ++f) {
        video.source_frame_indices.push_back(f);
        for (int y = 0; y < height; ++y) {
          for (int x = 0; x < width; ++x) {
            for (int c = 0; c < 3; ++c) {
              const uint8_t value = pixel(static_cast<int>(v), f, y, x, c);
              video.original.push_back(value);
              video.enhanced.push_back(static_cast<uint8_t>(255 - value));
            }
          }
        }
      }
      writer.add_video(video);
    }
    index.shards.push_back(writer.finish());
  }
  write_shard_index(folder, index);
}

}  // namespace dap::testing
