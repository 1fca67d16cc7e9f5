// The on-disk spec of dap's HDF5 shards, version 1 (see docs/SHARD_FORMAT.md).
// Writer and reader share these names; change them only with a new version.
#pragma once

#include <cstdint>

namespace dap::shard {

inline constexpr const char* kFormat = "dap-shard";
inline constexpr int64_t kFormatVersion = 1;

// File attributes.
inline constexpr const char* kAttrFormat = "format";
inline constexpr const char* kAttrFormatVersion = "format_version";
inline constexpr const char* kAttrHeight = "height";
inline constexpr const char* kAttrWidth = "width";
inline constexpr const char* kAttrEnhancer = "enhancer";
inline constexpr const char* kAttrEnhancerSha256 = "enhancer_weights_sha256";
inline constexpr const char* kAttrConfig = "config";
inline constexpr const char* kAttrProducer = "producer";
// Hash of the settings that determine the stored pixels (data, sampling,
// resize, enhancer): a resumed run reuses only shards with the same hash.
inline constexpr const char* kAttrSettingsSha256 = "settings_sha256";

// Datasets. frames/frames_enhanced: uint8 [F,H,W,3] RGB, one chunk per frame.
inline constexpr const char* kFrames = "frames";
inline constexpr const char* kFramesEnhanced = "frames_enhanced";
inline constexpr const char* kVideoOffsets = "video_offsets";            // int64 [V+1]
inline constexpr const char* kVideoIds = "video_ids";                    // vlen UTF-8 [V]
inline constexpr const char* kLabels = "labels";                         // int32 [V]
inline constexpr const char* kSourceFrameIndices = "source_frame_indices";  // int32 [F]
inline constexpr const char* kSourceFps = "source_fps";                  // float32 [V]

// Index file beside the shards.
inline constexpr const char* kIndexFileName = "index.json";
inline constexpr const char* kIndexFormat = "dap-shard-index";
inline constexpr int64_t kIndexFormatVersion = 1;
// A shard counts as complete only when its checksum sidecar matches it.
inline constexpr const char* kChecksumSuffix = ".sha256";
inline constexpr const char* kTemporarySuffix = ".tmp";

}  // namespace dap::shard
