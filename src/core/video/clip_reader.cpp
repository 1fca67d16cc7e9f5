#include "core/video/clip_reader.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/base/phase_times.h"
#include "core/video/frame_geometry.h"
#include "core/video/frame_sampler.h"
#include "core/video/libav_handles.h"
#include "core/video/needed_frames.h"

namespace dap {
namespace {

struct DecodedFrame {
  int64_t pts = 0;
  int64_t decode_order = 0;
  Size size;  // of `rgb`, in coded (pre-rotation) orientation
  std::vector<uint8_t> rgb;
};

// Clockwise degrees the player would rotate by, as FFmpeg's own autorotate computes it.
int display_rotation(const AVStream* stream) {
  size_t size = 0;
  const uint8_t* matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (!matrix || size < 9 * sizeof(int32_t)) return 0;
  double theta = -std::round(av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix)));
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  const int quarter = static_cast<int>(std::lround(theta / 90.0)) % 4;
  return quarter * 90;
}

// The deprecated "J" pixel formats are the plain ones at full range; swscale
// wants the plain format plus an explicit range.
AVPixelFormat without_jpeg_range(AVPixelFormat format, bool* full_range) {
  switch (format) {
    case AV_PIX_FMT_YUVJ420P: *full_range = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full_range = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full_range = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full_range = true; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: *full_range = true; return AV_PIX_FMT_YUV411P;
    default: return format;
  }
}

// Converts decoded frames (any pixel format, any size) to RGB24 at a given size,
// honouring the frame's colour matrix and range.
class RgbConverter {
 public:
  std::vector<uint8_t> convert(const AVFrame* frame, Size out, const std::string& file) {
    bool full_range = frame->color_range == AVCOL_RANGE_JPEG;
    const AVPixelFormat format = without_jpeg_range(static_cast<AVPixelFormat>(frame->format), &full_range);
    context_ = sws_getCachedContext(context_, frame->width, frame->height, format,
                                    out.width, out.height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr,
                                    nullptr);
    if (!context_) {
      const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format));
      throw InputError("cannot convert pixel format " + std::string(name ? name : "?") + " to RGB in '" + file + "'");
    }
    set_colour_details(frame, full_range);
    std::vector<uint8_t> rgb(static_cast<size_t>(out.width) * out.height * 3);
    uint8_t* planes[4] = {rgb.data(), nullptr, nullptr, nullptr};
    int strides[4] = {out.width * 3, 0, 0, 0};
    phase_times::Scope timing(phase_times::kConvert);
    sws_scale(context_, frame->data, frame->linesize, 0, frame->height, planes, strides);
    return rgb;
  }
  ~RgbConverter() { sws_freeContext(context_); }

 private:
  void set_colour_details(const AVFrame* frame, bool full_range) {
    int* inverse_table = nullptr;
    int* table = nullptr;
    int source_range = 0, destination_range = 0, brightness = 0, contrast = 0, saturation = 0;
    if (sws_getColorspaceDetails(context_, &inverse_table, &source_range, &table, &destination_range, &brightness,
                                 &contrast, &saturation) < 0) {
      return;  // RGB or gray input: no matrix to set
    }
    const int space = frame->colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : frame->colorspace;
    source_range = full_range ? 1 : 0;
    sws_setColorspaceDetails(context_, sws_getCoefficients(space), source_range, table, destination_range, brightness,
                             contrast, saturation);
  }

  SwsContext* context_ = nullptr;
};

class ClipDecoder {
 public:
  ClipDecoder(const std::string& path, const ClipRequest& request) : path_(path), request_(request) {
    AVFormatContext* raw = nullptr;
    av::check(avformat_open_input(&raw, path.c_str(), nullptr, nullptr), "avformat_open_input", path);
    format_.reset(raw);
    av::check(avformat_find_stream_info(format_.get(), nullptr), "avformat_find_stream_info", path);
    const AVCodec* codec = nullptr;
    stream_index_ = av_find_best_stream(format_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream_index_ < 0 || !codec) throw InputError("no decodable video stream in '" + path + "'");
    stream_ = format_->streams[stream_index_];
    rotation_ = display_rotation(stream_);
    codec_.reset(avcodec_alloc_context3(codec));
    if (!codec_) throw InputError("avcodec_alloc_context3 failed for '" + path + "'");
    av::check(avcodec_parameters_to_context(codec_.get(), stream_->codecpar), "avcodec_parameters_to_context", path);
    codec_->thread_count = request.decoder_threads;
    codec_->pkt_timebase = stream_->time_base;
    av::check(avcodec_open2(codec_.get(), codec, nullptr), "avcodec_open2", path);
  }

  // Decodes every frame, converting each to RGB at the size it needs before the
  // final rotation and crop.
  std::vector<DecodedFrame> decode_all() {
    av::Packet packet(av_packet_alloc());
    av::Frame frame(av_frame_alloc());
    if (!packet || !frame) throw Error("out of memory allocating FFmpeg packet/frame");
    int status = 0;
    while ((status = read_packet(packet.get())) >= 0) {
      note_packet_end(packet.get());
      if (packet->stream_index == stream_index_) {
        const int sent = send_packet(packet.get());
        av_packet_unref(packet.get());
        if (sent < 0 && sent != AVERROR(EAGAIN)) {
          throw InputError("corrupt video data in '" + path_ + "': " + av::error_text(sent));
        }
        receive_frames(frame.get());
      } else {
        av_packet_unref(packet.get());
      }
    }
    if (status != AVERROR_EOF) {
      throw InputError("cannot read '" + path_ + "' to the end (truncated?): " + av::error_text(status));
    }
    av::check(send_packet(nullptr), "avcodec_send_packet (flush)", path_);
    receive_frames(frame.get());
    if (frames_.empty()) throw InputError("no frames could be decoded from '" + path_ + "'");
    std::stable_sort(frames_.begin(), frames_.end(), [](const DecodedFrame& a, const DecodedFrame& b) {
      return a.pts != b.pts ? a.pts < b.pts : a.decode_order < b.decode_order;
    });
    return std::move(frames_);
  }

  // The video stream's packets, in decode order (for decode = "needed"), reading the whole file
  // like decode_all does, so a file that cannot be read to the end fails the same way.
  std::vector<av::Packet> read_video_packets() {
    std::vector<av::Packet> packets;
    while (true) {
      av::Packet packet(av_packet_alloc());
      if (!packet) throw Error("out of memory allocating an FFmpeg packet");
      const int status = read_packet(packet.get());
      if (status == AVERROR_EOF) break;
      if (status < 0) {
        throw InputError("cannot read '" + path_ + "' to the end (truncated?): " + av::error_text(status));
      }
      note_packet_end(packet.get());
      if (packet->stream_index == stream_index_) packets.push_back(std::move(packet));
    }
    return packets;
  }

  // Decodes `packets` (the whole video stream) far enough to output the frames stamped `needed`,
  // skipping the decode of unreferenced frames that are not needed. Returns them by timestamp;
  // nothing, with `why` set, when the decoder did something the plan did not foresee.
  std::optional<std::map<int64_t, DecodedFrame>> decode_needed(const std::vector<av::Packet>& packets,
                                                               const std::set<int64_t>& needed,
                                                               const std::set<int64_t>& all, std::string* why) {
    av::Frame frame(av_frame_alloc());
    if (!frame) throw Error("out of memory allocating an FFmpeg frame");
    std::map<int64_t, DecodedFrame> kept;
    int64_t last = AV_NOPTS_VALUE;
    // Checks each output frame against the plan and keeps the needed ones.
    auto receive = [&]() -> bool {
      while (true) {
        const int status = receive_frame(frame.get());
        if (status == AVERROR(EAGAIN) || status == AVERROR_EOF) return true;
        if (status < 0 || frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
          *why = "a decode error (decode-all reports it)";
          return false;
        }
        const int64_t pts = frame->pts;
        // decode-all sorts on best_effort_timestamp: it must be the packet's pts, in increasing order.
        if (pts == AV_NOPTS_VALUE || frame->best_effort_timestamp != pts || !all.count(pts) ||
            (last != AV_NOPTS_VALUE && pts <= last)) {
          *why = "frames out of timestamp order or not stamped with their packet's timestamp";
          return false;
        }
        last = pts;
        if (needed.count(pts)) kept[pts] = to_rgb(frame.get());
        av_frame_unref(frame.get());
      }
    };
    for (const av::Packet& packet : packets) {
      if (kept.size() == needed.size()) break;  // the last needed frame is out: the rest is not decoded
      codec_->skip_frame = needed.count(packet->pts) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
      const int sent = send_packet(packet.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) {
        *why = "a decode error (decode-all reports it)";
        return std::nullopt;
      }
      if (!receive()) return std::nullopt;
    }
    if (kept.size() < needed.size()) {
      codec_->skip_frame = AVDISCARD_DEFAULT;
      if (send_packet(nullptr) < 0 || !receive()) return std::nullopt;
    }
    if (kept.size() != needed.size()) {
      *why = "a sampled frame did not come out of the decoder";
      return std::nullopt;
    }
    return kept;
  }

  std::string codec_name() const { return avcodec_get_name(codec_->codec_id); }
  bool interlaced() const {
    const AVFieldOrder order = stream_->codecpar->field_order;
    return order != AV_FIELD_PROGRESSIVE && order != AV_FIELD_UNKNOWN;
  }
  int decoder_delay() const { return codec_->has_b_frames; }
  // Bytes of the NAL unit length prefix of "avcC" H.264 (MP4, Matroska); 0 for Annex B (start codes).
  int nal_length_size() const {
    const AVCodecParameters* par = stream_->codecpar;
    if (par->codec_id != AV_CODEC_ID_H264 || par->extradata_size < 7 || par->extradata[0] != 1) return 0;
    return (par->extradata[4] & 3) + 1;
  }

  // A file cut short usually still decodes, just with fewer frames than its
  // header declares; catch that instead of storing a partial clip. `pts`: the
  // frames' timestamps in presentation order.
  void check_not_truncated(const std::vector<int64_t>& pts) const {
    const int64_t decoded = static_cast<int64_t>(pts.size());
    if (stream_->nb_frames > 0) {
      if (decoded >= stream_->nb_frames * 9 / 10) return;
      // AVI stores a frame that repeats the one before as an empty chunk: the header counts
      // it, the decoder gives nothing for it, and the frames still cover the whole clip.
      const double frame_time = 1.0 / std::max(1.0f, nominal_fps(pts));
      const double covered = seconds(pts.back()) - seconds(pts.front()) + frame_time;
      if (pts.back() != AV_NOPTS_VALUE && covered >= 0.9 * stream_->nb_frames * frame_time) return;
      throw InputError("truncated video '" + path_ + "': decoded " + std::to_string(decoded) + " of the " +
                       std::to_string(stream_->nb_frames) + " frames its header declares");
    }
    if (stream_->duration > 0) {
      const double frame_time = 1.0 / std::max(1.0f, nominal_fps(pts));
      const double covered = seconds(pts.back()) - seconds(pts.front()) + frame_time;
      check_coverage(covered, stream_->duration * av_q2d(stream_->time_base), "frames cover");
    } else if (format_->duration > 0) {
      // No per-stream duration (e.g. Matroska): the packets of all streams
      // together must reach close to the file's declared duration.
      const double start = format_->start_time != AV_NOPTS_VALUE ? format_->start_time / double(AV_TIME_BASE) : 0.0;
      check_coverage(last_packet_end_ - start, format_->duration / double(AV_TIME_BASE), "packets cover");
    }
  }

  int rotation() const { return rotation_; }

  void check_coverage(double covered, double declared, const char* what) const {
    if (declared > 0 && covered < 0.8 * declared) {
      throw InputError("truncated video '" + path_ + "': " + what + " " + std::to_string(covered) + " s of the " +
                       std::to_string(declared) + " s its header declares");
    }
  }
  double seconds(int64_t pts) const { return pts * av_q2d(stream_->time_base); }

  float nominal_fps(const std::vector<int64_t>& pts) const {
    for (AVRational rate : {stream_->avg_frame_rate, stream_->r_frame_rate}) {
      if (rate.num > 0 && rate.den > 0) return static_cast<float>(av_q2d(rate));
    }
    const double span = seconds(pts.back()) - seconds(pts.front());
    return span > 0 ? static_cast<float>((pts.size() - 1) / span) : 0.0f;
  }

 private:
  int read_packet(AVPacket* packet) {
    phase_times::Scope timing(phase_times::kDemux);
    return av_read_frame(format_.get(), packet);
  }
  int send_packet(const AVPacket* packet) {
    phase_times::Scope timing(phase_times::kDecode);
    return avcodec_send_packet(codec_.get(), packet);
  }
  int receive_frame(AVFrame* frame) {
    phase_times::Scope timing(phase_times::kDecode);
    const int status = avcodec_receive_frame(codec_.get(), frame);
    if (status >= 0) phase_times::count(phase_times::kDecodedFrames, 1);
    return status;
  }

  // The frame as RGB at the size it needs before the final rotation and crop.
  DecodedFrame to_rgb(const AVFrame* frame) {
    DecodedFrame decoded;
    decoded.pts = frame->pts;
    const Size coded{frame->width, frame->height};
    const Size display = rotated_size(coded, rotation_);
    const Size target{request_.width, request_.height};
    decoded.size = rotated_size(scaled_size(display, target, request_.preserve_aspect), rotation_);
    decoded.rgb = converter_.convert(frame, decoded.size, path_);
    return decoded;
  }

  void note_packet_end(const AVPacket* packet) {
    if (packet->pts == AV_NOPTS_VALUE) return;
    const AVRational base = format_->streams[packet->stream_index]->time_base;
    last_packet_end_ = std::max(last_packet_end_, (packet->pts + std::max<int64_t>(packet->duration, 0)) * av_q2d(base));
  }

  void receive_frames(AVFrame* frame) {
    while (true) {
      const int status = receive_frame(frame);
      if (status == AVERROR(EAGAIN) || status == AVERROR_EOF) return;
      if (status < 0) throw InputError("corrupt video data in '" + path_ + "': " + av::error_text(status));
      if (frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
        throw InputError("corrupt frame " + std::to_string(frames_.size()) + " in '" + path_ + "'");
      }
      DecodedFrame decoded = to_rgb(frame);
      decoded.decode_order = static_cast<int64_t>(frames_.size());
      decoded.pts = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp
                                                                    : decoded.decode_order;
      frames_.push_back(std::move(decoded));
      av_frame_unref(frame);
    }
  }

  std::string path_;
  ClipRequest request_;
  av::FormatContext format_;
  av::CodecContext codec_;
  AVStream* stream_ = nullptr;
  int stream_index_ = -1;
  int rotation_ = 0;
  RgbConverter converter_;
  std::vector<DecodedFrame> frames_;
  double last_packet_end_ = 0.0;  // seconds, over all streams
};

std::vector<int32_t> sample(const ClipDecoder& decoder, const std::vector<int64_t>& pts,
                            const ClipRequest& request) {
  if (request.mode == "uniform") return select_uniform(static_cast<int64_t>(pts.size()), request.num_frames);
  if (request.mode == "fps") {
    std::vector<double> times;
    for (const int64_t t : pts) times.push_back(decoder.seconds(t));
    return select_at_fps(times, request.fps, request.max_frames);
  }
  throw Error("unknown sampling mode '" + request.mode + "'");
}

// The stored frames: frame(i) is the i-th frame in presentation order, rotated upright and cropped.
template <class FrameAt>
SampledClip assemble(const ClipDecoder& decoder, const std::vector<int64_t>& pts, const ClipRequest& request,
                     FrameAt frame) {
  SampledClip clip;
  clip.height = request.height;
  clip.width = request.width;
  clip.rotation = decoder.rotation();
  clip.decoded_frames = static_cast<int64_t>(pts.size());
  clip.source_fps = decoder.nominal_fps(pts);
  clip.source_frame_indices = sample(decoder, pts, request);
  const Size target{request.width, request.height};
  clip.frames.reserve(clip.source_frame_indices.size() * target.width * target.height * 3);
  phase_times::Scope timing(phase_times::kConvert);
  for (const int32_t index : clip.source_frame_indices) {
    const DecodedFrame& f = frame(index);
    const auto upright = rotate_rgb(f.rgb, f.size, clip.rotation);
    const auto cropped = centre_crop_rgb(upright, rotated_size(f.size, clip.rotation), target);
    clip.frames.insert(clip.frames.end(), cropped.begin(), cropped.end());
  }
  return clip;
}

// decode = "needed": the plan from the packets, then only the frames it needs. Nothing, with `why`
// set, when the clip does not qualify or the decoder strays from the plan.
std::optional<SampledClip> read_needed_frames(ClipDecoder& decoder, const ClipRequest& request, std::string* why) {
  const std::vector<av::Packet> packets = decoder.read_video_packets();
  const int length_size = decoder.nal_length_size();
  std::vector<PacketTimes> times;
  for (const av::Packet& p : packets) {
    times.push_back({p->pts, p->pts != AV_NOPTS_VALUE, (p->flags & AV_PKT_FLAG_KEY) != 0, p->size == 0,
                     (p->flags & (AV_PKT_FLAG_CORRUPT | AV_PKT_FLAG_DISCARD)) != 0,
                     length_size > 0 && !nal_units_tile(p->data, p->size, length_size)});
  }
  *why = needed_decode_obstacle(decoder.codec_name(), decoder.interlaced(), decoder.decoder_delay(), times);
  if (!why->empty()) return std::nullopt;
  const std::vector<int64_t> pts = presentation_timestamps(times);
  decoder.check_not_truncated(pts);
  const std::set<int64_t> all(pts.begin(), pts.end());
  std::set<int64_t> needed;
  for (const int32_t index : sample(decoder, pts, request)) needed.insert(pts[index]);
  auto kept = decoder.decode_needed(packets, needed, all, why);
  if (!kept) return std::nullopt;
  SampledClip clip =
      assemble(decoder, pts, request, [&](int32_t index) -> const DecodedFrame& { return kept->at(pts[index]); });
  clip.decoded_selectively = true;
  return clip;
}

// Why a clip was decoded whole: logged once per reason, naming the first such file.
void note_decode_all(const std::string& why, const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> told;
  std::lock_guard<std::mutex> lock(mutex);
  if (!told.insert(why).second) return;
  spdlog::info("decode = \"needed\": decoding every frame of '{}' and of any later file for the same reason: {}",
               path, why);
}

}  // namespace

SampledClip read_sampled_clip(const std::string& path, const ClipRequest& request) {
  // Problems are reported once, through exceptions; FFmpeg's per-frame chatter is noise in a cluster log.
  av_log_set_level(AV_LOG_FATAL);
  phase_times::count(phase_times::kVideos, 1);
  auto decoder = std::make_unique<ClipDecoder>(path, request);
  if (request.decode_needed) {
    std::string why;
    if (decoder->codec_name() != "h264") {
      why = needed_decode_obstacle(decoder->codec_name(), false, 0, {});  // decided before reading: no reopen
    } else {
      try {
        if (auto clip = read_needed_frames(*decoder, request, &why)) return std::move(*clip);
      } catch (const InputError&) {
        why = "an unreadable or truncated file (decode-all reports it)";
      }
      decoder = std::make_unique<ClipDecoder>(path, request);  // it read the packets: start over
    }
    note_decode_all(why, path);
  }
  const std::vector<DecodedFrame> frames = decoder->decode_all();
  std::vector<int64_t> pts;
  for (const auto& f : frames) pts.push_back(f.pts);
  decoder->check_not_truncated(pts);
  return assemble(*decoder, pts, request, [&](int32_t index) -> const DecodedFrame& { return frames[index]; });
}

}  // namespace dap
