// RAII owners and a checked-call helper for the FFmpeg C API (libavformat,
// libavcodec, libswscale). Include only from .cpp files of src/core/video.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace dap::av {

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFreer {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};

using FormatContext = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecContext = std::unique_ptr<AVCodecContext, CodecFreer>;
using Frame = std::unique_ptr<AVFrame, FrameFreer>;
using Packet = std::unique_ptr<AVPacket, PacketFreer>;
using ScaleContext = std::unique_ptr<SwsContext, SwsFreer>;

// FFmpeg's message for an error code.
std::string error_text(int code);

// Throws dap::InputError "<call> failed for '<file>': <ffmpeg message>" when code < 0.
int check(int code, const char* call, const std::string& file);

}  // namespace dap::av
