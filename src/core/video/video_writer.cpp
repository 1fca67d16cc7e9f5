#include "core/video/video_writer.h"

extern "C" {
#include <libavutil/log.h>
#include <libavutil/opt.h>
}

#include "core/base/error.h"
#include "core/video/libav_handles.h"

namespace dap {

struct VideoWriter::State {
  std::string path;
  int width = 0, height = 0;
  int64_t next_pts = 0;
  bool closed = false;
  AVFormatContext* format = nullptr;  // owned: freed in the destructor
  AVStream* stream = nullptr;
  av::CodecContext codec;
  av::Frame frame;
  av::Packet packet;
  av::ScaleContext scale;

  void drain() {
    while (true) {
      const int rc = avcodec_receive_packet(codec.get(), packet.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      av::check(rc, "avcodec_receive_packet", path);
      av_packet_rescale_ts(packet.get(), codec->time_base, stream->time_base);
      packet->stream_index = stream->index;
      av::check(av_interleaved_write_frame(format, packet.get()), "av_interleaved_write_frame", path);
    }
  }
};

VideoWriter::VideoWriter(const std::string& path, int width, int height, int fps, int quality)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  s.width = width;
  s.height = height;
  if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0) {
    throw Error("video writer: frame size " + std::to_string(width) + "x" + std::to_string(height) +
                " must be positive and even");
  }
  // x264 prints several lines of statistics per file at the default level.
  if (av_log_get_level() > AV_LOG_ERROR) av_log_set_level(AV_LOG_ERROR);
  av::check(avformat_alloc_output_context2(&s.format, nullptr, nullptr, path.c_str()), "avformat_alloc_output_context2",
            path);
  const AVCodec* encoder = avcodec_find_encoder_by_name("libx264");
  if (encoder == nullptr) encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (encoder == nullptr) throw Error("video writer: FFmpeg has neither libx264 nor an MPEG-4 encoder");
  s.stream = avformat_new_stream(s.format, nullptr);
  s.codec.reset(avcodec_alloc_context3(encoder));
  s.codec->width = width;
  s.codec->height = height;
  s.codec->pix_fmt = AV_PIX_FMT_YUV420P;
  s.codec->time_base = AVRational{1, fps};
  s.codec->framerate = AVRational{fps, 1};
  s.codec->gop_size = 2 * fps;
  s.codec->thread_count = 1;  // deterministic output, one core per generator
  if (s.format->oformat->flags & AVFMT_GLOBALHEADER) s.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (std::string(encoder->name) == "libx264") {
    av_opt_set(s.codec->priv_data, "crf", std::to_string(quality).c_str(), 0);
    av_opt_set(s.codec->priv_data, "preset", "veryfast", 0);
  } else {
    s.codec->bit_rate = 4'000'000;
  }
  av::check(avcodec_open2(s.codec.get(), encoder, nullptr), "avcodec_open2", path);
  av::check(avcodec_parameters_from_context(s.stream->codecpar, s.codec.get()), "avcodec_parameters_from_context",
            path);
  s.stream->time_base = s.codec->time_base;
  if (!(s.format->oformat->flags & AVFMT_NOFILE)) {
    av::check(avio_open(&s.format->pb, path.c_str(), AVIO_FLAG_WRITE), "avio_open", path);
  }
  av::check(avformat_write_header(s.format, nullptr), "avformat_write_header", path);
  s.frame.reset(av_frame_alloc());
  s.frame->format = AV_PIX_FMT_YUV420P;
  s.frame->width = width;
  s.frame->height = height;
  av::check(av_frame_get_buffer(s.frame.get(), 0), "av_frame_get_buffer", path);
  s.packet.reset(av_packet_alloc());
  s.scale.reset(sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P, SWS_BICUBIC,
                               nullptr, nullptr, nullptr));
}

VideoWriter::~VideoWriter() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; close() explicitly to see errors
  }
  if (state_->format != nullptr) {
    if (!(state_->format->oformat->flags & AVFMT_NOFILE) && state_->format->pb != nullptr) {
      avio_closep(&state_->format->pb);
    }
    avformat_free_context(state_->format);
  }
}

void VideoWriter::write(const std::vector<uint8_t>& rgb) {
  State& s = *state_;
  if (rgb.size() != static_cast<size_t>(s.width) * s.height * 3) throw Error("video writer: wrong frame size");
  av::check(av_frame_make_writable(s.frame.get()), "av_frame_make_writable", s.path);
  const uint8_t* source[1] = {rgb.data()};
  const int stride[1] = {3 * s.width};
  sws_scale(s.scale.get(), source, stride, 0, s.height, s.frame->data, s.frame->linesize);
  s.frame->pts = s.next_pts++;
  av::check(avcodec_send_frame(s.codec.get(), s.frame.get()), "avcodec_send_frame", s.path);
  s.drain();
}

void VideoWriter::close() {
  State& s = *state_;
  if (s.closed) return;
  s.closed = true;
  av::check(avcodec_send_frame(s.codec.get(), nullptr), "avcodec_send_frame", s.path);
  s.drain();
  av::check(av_write_trailer(s.format), "av_write_trailer", s.path);
}

}  // namespace dap
