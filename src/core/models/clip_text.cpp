// CLIP text encoder (see clip_text.h).
#include "core/models/clip_text.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "core/base/error.h"

namespace dap {
namespace {

namespace nn = torch::nn;

void check_config(const ClipTextConfig& c) {
  std::ostringstream problem;
  if (c.vocab_size <= 0 || c.context_length <= 0 || c.width <= 0 || c.layers <= 0 || c.heads <= 0 ||
      c.embed_dim <= 0)
    problem << "every size must be positive";
  else if (c.width % c.heads != 0)
    problem << "heads " << c.heads << " does not divide width " << c.width;
  if (!problem.str().empty()) throw ConfigError("CLIP text config: " + problem.str());
}

}  // namespace

torch::Tensor causal_attention_mask(int64_t length) {
  return torch::full({length, length}, -std::numeric_limits<float>::infinity()).triu(1);
}

ClipTextImpl::ClipTextImpl(const ClipTextConfig& config) : config_(config) {
  check_config(config_);
  const int64_t width = config_.width;
  // OpenAI's initialisation; loading overwrites it.
  token_embedding = register_module("token_embedding", nn::Embedding(config_.vocab_size, width));
  nn::init::normal_(token_embedding->weight, 0.0, 0.02);
  positional_embedding =
      register_parameter("positional_embedding", 0.01 * torch::randn({config_.context_length, width}));
  transformer = register_module("transformer", ClipTransformer(width, config_.layers, config_.heads));
  ln_final = register_module("ln_final", Float32LayerNorm(nn::LayerNormOptions({width}).eps(1e-5)));
  text_projection = register_parameter(
      "text_projection", torch::randn({width, config_.embed_dim}) / std::sqrt(static_cast<double>(width)));
}

torch::Tensor ClipTextImpl::forward(const torch::Tensor& tokens) {
  if (tokens.dim() != 2 || tokens.scalar_type() != torch::kLong || tokens.size(1) < 1 ||
      tokens.size(1) > config_.context_length) {
    std::ostringstream what;
    what << "CLIP text: expected int64 token ids [N, L] with 1 <= L <= context_length " << config_.context_length
         << ", got " << tokens.scalar_type() << " " << tokens.sizes();
    throw Error(what.str());
  }
  if (tokens.numel() > 0 && (tokens.min().item<int64_t>() < 0 || tokens.max().item<int64_t>() >= config_.vocab_size))
    throw Error("CLIP text: token ids must lie in [0, " + std::to_string(config_.vocab_size) +
                "), the vocabulary of this encoder");

  const int64_t length = tokens.size(1);
  torch::Tensor x = token_embedding->forward(tokens);  // [N, L, width]
  x = x + positional_embedding.slice(0, 0, length).to(x.scalar_type());
  // Built per call: it is tiny, and keeping it out of the buffers keeps the
  // module's names equal to the checkpoint's keys.
  x = transformer->forward(x, causal_attention_mask(length).to(x.device()));
  x = ln_final(x);
  // The EOT token holds the highest id in each row; its feature is the text's.
  const torch::Tensor eot = tokens.argmax(-1);
  const torch::Tensor pooled = x.index({torch::arange(x.size(0), eot.options()), eot});
  return torch::matmul(pooled, text_projection.to(x.scalar_type()));
}

}  // namespace dap
