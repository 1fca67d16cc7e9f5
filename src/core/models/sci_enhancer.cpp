// SCI as a FrameEnhancer: uint8 HWC frames -> float NCHW in [0, 1] -> SCI ->
// uint8 by truncation, batch_size frames per forward pass.
#include "core/models/sci_enhancer.h"

#include <torch/torch.h>

#include <cstring>

#include "core/base/error.h"
#include "core/io/sha256.h"
#include "core/models/sci_net.h"

namespace dap {
namespace {

class SciEnhancer final : public FrameEnhancer {
 public:
  SciEnhancer(const std::string& weights_path, int batch_size)
      : net_(load_sci_net(weights_path)), batch_size_(batch_size), sha256_(sha256_file(weights_path)) {}

  void enhance(const uint8_t* frames, int n, int h, int w, uint8_t* out) override {
    if (n < 0 || h <= 0 || w <= 0)
      throw Error("SCI enhance: invalid frame block n=" + std::to_string(n) + ", h=" + std::to_string(h) +
                  ", w=" + std::to_string(w));
    c10::InferenceMode inference;  // no autograd bookkeeping
    const int64_t frame_bytes = int64_t{h} * w * 3;
    for (int start = 0; start < n; start += batch_size_) {
      const int count = std::min(batch_size_, n - start);
      // from_blob does not copy; the input is only read.
      torch::Tensor input = torch::from_blob(const_cast<uint8_t*>(frames + start * frame_bytes),
                                             {count, h, w, 3}, torch::kUInt8);
      // Same arithmetic as the authors' loader (ToTensor: float(x) / 255).
      torch::Tensor x = input.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255).contiguous();
      torch::Tensor r = net_->forward(x);
      // float -> uint8 truncates toward zero, like numpy's astype('uint8') in
      // the authors' save_images; r is already clamped to [0, 1].
      torch::Tensor result = r.mul(255).to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous();
      std::memcpy(out + start * frame_bytes, result.data_ptr<uint8_t>(), count * frame_bytes);
    }
  }

  std::string name() const override { return "sci"; }
  std::string weights_sha256() const override { return sha256_; }

 private:
  SciNet net_;
  int batch_size_;
  std::string sha256_;
};

}  // namespace

std::unique_ptr<FrameEnhancer> make_sci_enhancer(const std::string& weights_path, int batch_size) {
  if (batch_size < 1) throw Error("SCI enhancer: batch_size must be >= 1, got " + std::to_string(batch_size));
  return std::make_unique<SciEnhancer>(weights_path, batch_size);
}

}  // namespace dap
