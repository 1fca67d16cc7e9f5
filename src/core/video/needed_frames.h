// preprocess.decode = "needed": which packets of a clip must be decoded, and
// whether that can be decided safely before decoding.
//
// The sample plan needs every frame's timestamp (fps sampling) or the frame
// count (uniform), which decode-all learns by decoding everything. Here they
// come from the demuxed packets instead: that is exact only when each packet is
// one frame whose timestamp is the packet's. needed_decode_obstacle() says why
// a clip does not qualify; such clips are decoded whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dap {

// What the plan needs of one demuxed packet of the video stream, in decode order.
struct PacketTimes {
  int64_t pts = 0;
  bool has_pts = false;
  bool key = false;
  bool empty = false;    // no payload (AVI's repeated frames): no frame comes out
  bool flagged = false;  // marked corrupt or discard by the demuxer
  bool malformed = false;  // its NAL units do not tile it (see nal_units_tile)
};

// Empty when one packet = one frame at the packet's timestamp can be relied on
// for this codec and these packets; else a reason, the same text for every file
// with that problem (for the once-per-reason log line). `decoder_delay` is the
// decoder's reorder delay (has_b_frames); `interlaced` from the stream's field order.
std::string needed_decode_obstacle(const std::string& codec, bool interlaced, int decoder_delay,
                                   const std::vector<PacketTimes>& packets);

// Whether the length-prefixed (MP4/Matroska "avcC") NAL units of a packet tile it
// exactly, each with a valid header. A damaged packet makes decode-all fail the
// clip; checking the framing catches that even in packets that are not decoded.
bool nal_units_tile(const uint8_t* data, int size, int length_size);

// How many earlier packets (in decode order) the worst packet presents after:
// the reorder buffer the decoder needs to output frames in timestamp order.
int reorder_depth(const std::vector<PacketTimes>& packets);

// The packets' timestamps in presentation order: the frames decode-all would sort.
std::vector<int64_t> presentation_timestamps(const std::vector<PacketTimes>& packets);

}  // namespace dap
