#include "core/video/clip_reader.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>

#include "core/base/error.h"
#include "core/video/frame_geometry.h"
#include "core/video/frame_sampler.h"
#include "core/video/libav_handles.h"

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
    while ((status = av_read_frame(format_.get(), packet.get())) >= 0) {
      note_packet_end(packet.get());
      if (packet->stream_index == stream_index_) {
        const int sent = avcodec_send_packet(codec_.get(), packet.get());
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
    av::check(avcodec_send_packet(codec_.get(), nullptr), "avcodec_send_packet (flush)", path_);
    receive_frames(frame.get());
    if (frames_.empty()) throw InputError("no frames could be decoded from '" + path_ + "'");
    std::stable_sort(frames_.begin(), frames_.end(), [](const DecodedFrame& a, const DecodedFrame& b) {
      return a.pts != b.pts ? a.pts < b.pts : a.decode_order < b.decode_order;
    });
    return std::move(frames_);
  }

  // A file cut short usually still decodes, just with fewer frames than its
  // header declares; catch that instead of storing a partial clip.
  void check_not_truncated(const std::vector<DecodedFrame>& frames) const {
    const int64_t decoded = static_cast<int64_t>(frames.size());
    if (stream_->nb_frames > 0) {
      if (decoded >= stream_->nb_frames * 9 / 10) return;
      // AVI stores a frame that repeats the one before as an empty chunk: the header counts
      // it, the decoder gives nothing for it, and the frames still cover the whole clip.
      const double frame_time = 1.0 / std::max(1.0f, nominal_fps(frames));
      const double covered = seconds(frames.back().pts) - seconds(frames.front().pts) + frame_time;
      if (frames.back().pts != AV_NOPTS_VALUE && covered >= 0.9 * stream_->nb_frames * frame_time) return;
      throw InputError("truncated video '" + path_ + "': decoded " + std::to_string(decoded) + " of the " +
                       std::to_string(stream_->nb_frames) + " frames its header declares");
    }
    if (stream_->duration > 0) {
      const double frame_time = 1.0 / std::max(1.0f, nominal_fps(frames));
      const double covered = seconds(frames.back().pts) - seconds(frames.front().pts) + frame_time;
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

  float nominal_fps(const std::vector<DecodedFrame>& frames) const {
    for (AVRational rate : {stream_->avg_frame_rate, stream_->r_frame_rate}) {
      if (rate.num > 0 && rate.den > 0) return static_cast<float>(av_q2d(rate));
    }
    const double span = seconds(frames.back().pts) - seconds(frames.front().pts);
    return span > 0 ? static_cast<float>((frames.size() - 1) / span) : 0.0f;
  }

 private:
  void note_packet_end(const AVPacket* packet) {
    if (packet->pts == AV_NOPTS_VALUE) return;
    const AVRational base = format_->streams[packet->stream_index]->time_base;
    last_packet_end_ = std::max(last_packet_end_, (packet->pts + std::max<int64_t>(packet->duration, 0)) * av_q2d(base));
  }

  void receive_frames(AVFrame* frame) {
    while (true) {
      const int status = avcodec_receive_frame(codec_.get(), frame);
      if (status == AVERROR(EAGAIN) || status == AVERROR_EOF) return;
      if (status < 0) throw InputError("corrupt video data in '" + path_ + "': " + av::error_text(status));
      if (frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
        throw InputError("corrupt frame " + std::to_string(frames_.size()) + " in '" + path_ + "'");
      }
      DecodedFrame decoded;
      decoded.decode_order = static_cast<int64_t>(frames_.size());
      decoded.pts = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp
                                                                    : decoded.decode_order;
      const Size coded{frame->width, frame->height};
      const Size display = rotated_size(coded, rotation_);
      const Size target{request_.width, request_.height};
      decoded.size = rotated_size(scaled_size(display, target, request_.preserve_aspect), rotation_);
      decoded.rgb = converter_.convert(frame, decoded.size, path_);
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

}  // namespace

SampledClip read_sampled_clip(const std::string& path, const ClipRequest& request) {
  // Problems are reported once, through exceptions; FFmpeg's per-frame chatter is noise in a cluster log.
  av_log_set_level(AV_LOG_FATAL);
  ClipDecoder decoder(path, request);
  const std::vector<DecodedFrame> frames = decoder.decode_all();
  decoder.check_not_truncated(frames);

  SampledClip clip;
  clip.height = request.height;
  clip.width = request.width;
  clip.rotation = decoder.rotation();
  clip.decoded_frames = static_cast<int64_t>(frames.size());
  clip.source_fps = decoder.nominal_fps(frames);
  if (request.mode == "uniform") {
    clip.source_frame_indices = select_uniform(clip.decoded_frames, request.num_frames);
  } else if (request.mode == "fps") {
    std::vector<double> times;
    for (const auto& f : frames) times.push_back(decoder.seconds(f.pts));
    clip.source_frame_indices = select_at_fps(times, request.fps, request.max_frames);
  } else {
    throw Error("unknown sampling mode '" + request.mode + "'");
  }

  const Size target{request.width, request.height};
  clip.frames.reserve(clip.source_frame_indices.size() * target.width * target.height * 3);
  for (const int32_t index : clip.source_frame_indices) {
    const DecodedFrame& f = frames[index];
    const auto upright = rotate_rgb(f.rgb, f.size, clip.rotation);
    const auto cropped = centre_crop_rgb(upright, rotated_size(f.size, clip.rotation), target);
    clip.frames.insert(clip.frames.end(), cropped.begin(), cropped.end());
  }
  return clip;
}

}  // namespace dap
