// CLIP's text encoder (OpenAI clip/model.py CLIP.encode_text): token and
// positional embeddings, a causal transformer, ln_final, text_projection.
// METHOD.md 5: class prompts for ActionCLIP-style video-text matching.
// Parameter names are OpenAI's top-level keys ("token_embedding.weight", ...).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "core/config/clip_config.h"
#include "core/models/clip_blocks.h"

namespace dap {

class ClipTextImpl : public torch::nn::Module {
 public:
  explicit ClipTextImpl(const ClipTextConfig& config = {});

  // tokens: int64 BPE ids [N, L] with L <= context_length, as ClipTokenizer
  // writes them (SOT ... EOT, zero padded). Returns the text feature
  // [N, embed_dim]: ln_final of the token at each row's highest id (the EOT
  // token, whose id is the largest in the vocabulary) @ text_projection.
  torch::Tensor forward(const torch::Tensor& tokens);

  const ClipTextConfig& config() const { return config_; }

 private:
  ClipTextConfig config_;
  torch::nn::Embedding token_embedding{nullptr};
  torch::Tensor positional_embedding, text_projection;
  ClipTransformer transformer{nullptr};
  Float32LayerNorm ln_final{nullptr};
};
TORCH_MODULE(ClipText);

// The causal mask: [length, length] float, -inf above the diagonal, 0 elsewhere.
torch::Tensor causal_attention_mask(int64_t length);

}  // namespace dap
