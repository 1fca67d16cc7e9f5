#include "core/video/needed_frames.h"

#include <algorithm>

namespace dap {

std::string needed_decode_obstacle(const std::string& codec, bool interlaced, int decoder_delay,
                                   const std::vector<PacketTimes>& packets) {
  // H.264 only: a nal_ref_idc of 0 promises no other picture uses the frame, so skipping it
  // (AVDISCARD_NONREF) cannot change any other frame. HEVC's "non-reference" NAL types are
  // only so within a temporal sub-layer, and other codecs pack several frames in one packet.
  if (codec != "h264") return "codec " + codec + " (only H.264 is decoded selectively)";
  if (interlaced) return "interlaced H.264 (a field may come in a packet of its own)";
  if (packets.empty()) return "no video packets";
  if (!packets.front().key) return "the first packet is not a key frame (the decoder drops frames until one)";
  for (const PacketTimes& p : packets) {
    if (!p.has_pts) return "packets without timestamps";
    if (p.empty) return "empty packets";
    if (p.flagged) return "packets flagged corrupt or discard";
    if (p.malformed) return "damaged packets (decode-all reports them)";
  }
  std::vector<int64_t> sorted = presentation_timestamps(packets);
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return "repeated packet timestamps";
  // A deeper reorder than the decoder was told makes it output some frames early, out of
  // order, which changes the timestamps decode-all assigns (best_effort_timestamp).
  if (reorder_depth(packets) > decoder_delay) return "packets reordered deeper than the decoder's declared delay";
  return "";
}

bool nal_units_tile(const uint8_t* data, int size, int length_size) {
  int offset = 0;
  while (offset < size) {
    if (size - offset < length_size) return false;
    int64_t length = 0;
    for (int i = 0; i < length_size; ++i) length = (length << 8) | data[offset + i];
    offset += length_size;
    if (length <= 0 || length > size - offset) return false;
    if (data[offset] & 0x80) return false;  // forbidden_zero_bit
    offset += static_cast<int>(length);
  }
  return true;
}

int reorder_depth(const std::vector<PacketTimes>& packets) {
  std::vector<int64_t> seen;  // timestamps so far, sorted
  int depth = 0;
  for (const PacketTimes& p : packets) {
    const auto later = std::upper_bound(seen.begin(), seen.end(), p.pts);
    depth = std::max(depth, static_cast<int>(seen.end() - later));
    seen.insert(later, p.pts);
  }
  return depth;
}

std::vector<int64_t> presentation_timestamps(const std::vector<PacketTimes>& packets) {
  std::vector<int64_t> pts;
  pts.reserve(packets.size());
  for (const PacketTimes& p : packets) pts.push_back(p.pts);
  std::sort(pts.begin(), pts.end());
  return pts;
}

}  // namespace dap
