// Real FFmpeg decoding of the real clips and the edge-case files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/base/error.h"
#include "core/video/clip_reader.h"
#include "support/test_paths.h"

namespace dap {
namespace {

ClipRequest small_request() {
  ClipRequest r;
  r.num_frames = 8;
  r.height = 32;
  r.width = 48;
  return r;
}

TEST(ClipReader, DecodesEveryRealClipToTheRequestedShape) {
  // decord's test expects 310 frames for this clip.
  const SampledClip pancake = read_sampled_clip(testing::asset("videos/real/flipping_a_pancake.mkv"), small_request());
  EXPECT_EQ(pancake.decoded_frames, 310);
  EXPECT_EQ(pancake.frame_count(), 8);
  EXPECT_EQ(pancake.frames.size(), 8u * 32 * 48 * 3);
  for (const char* name : {"test.avi", "test.mp4", "demo.mp4", "asl_yes.mkv", "part_0.mp4"}) {
    const SampledClip clip = read_sampled_clip(testing::asset(std::string("videos/real/") + name), small_request());
    EXPECT_EQ(clip.frame_count(), 8) << name;
    EXPECT_GT(clip.source_fps, 1.0f) << name;
    EXPECT_EQ(clip.frames.size(), 8u * 32 * 48 * 3) << name;
  }
}

TEST(ClipReader, HonoursDisplayMatrixRotation) {
  ClipRequest r = small_request();
  r.preserve_aspect = false;
  EXPECT_EQ(read_sampled_clip(testing::asset("videos/edge_cases/video_0.mov"), r).rotation, 0);
  EXPECT_EQ(read_sampled_clip(testing::asset("videos/edge_cases/video_90.mov"), r).rotation, 90);
}

TEST(ClipReader, OutOfOrderTimestampsComeOutSorted) {
  const SampledClip clip = read_sampled_clip(testing::asset("videos/edge_cases/unordered.mov"), small_request());
  EXPECT_EQ(clip.decoded_frames, 4);
  for (size_t i = 1; i < clip.source_frame_indices.size(); ++i) {
    EXPECT_LE(clip.source_frame_indices[i - 1], clip.source_frame_indices[i]);
  }
}

// ARID's kind of file: an AVI whose unchanged frames are empty chunks (ffmpeg writes them for the
// gaps when 6 frames/s are stored at a 1/30 s time base; FFmpeg 5 and 7 alike), so the header
// counts more frames than there are to decode.
TEST(ClipReader, AviWithRepeatedFramesIsNotTruncated) {
  if (std::system("command -v ffmpeg >/dev/null 2>&1") != 0) GTEST_SKIP() << "no ffmpeg command";
  testing::TempDir dir;
  const std::string avi = dir.file("repeats.avi");
  const std::string command = "ffmpeg -loglevel error -y -i '" + testing::asset("videos/real/test.mp4") +
                              "' -vf fps=6 -fps_mode passthrough -enc_time_base 1/30 -c:v mpeg4 '" + avi + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const SampledClip clip = read_sampled_clip(avi, small_request());
  EXPECT_EQ(clip.frame_count(), 8);
  EXPECT_EQ(clip.decoded_frames, 60) << "6 frames/s over 10 s, of the 300 the header declares";
}

TEST(ClipReader, BrokenFilesFailWithAReason) {
  testing::TempDir dir;
  std::ofstream(dir.file("empty.mp4"));
  std::ofstream(dir.file("text.avi")) << "this is not a video\n";
  // Real clips cut in half: AVI declares a frame count, Matroska only a duration, MP4 loses its index.
  for (const std::string name : {"test.avi", "flipping_a_pancake.mkv", "test.mp4"}) {
    std::ifstream in(testing::asset("videos/real/" + name), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir.file("truncated_" + name), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  for (const std::string& path :
       {testing::asset("videos/edge_cases/corrupted.mp4"), dir.file("empty.mp4"), dir.file("text.avi"),
        dir.file("missing.mp4"), dir.file("truncated_test.avi"), dir.file("truncated_flipping_a_pancake.mkv"),
        dir.file("truncated_test.mp4")}) {
    try {
      read_sampled_clip(path, small_request());
      ADD_FAILURE() << path << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace dap
