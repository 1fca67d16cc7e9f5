// Loading OpenAI CLIP weights into ClipVisual / ClipText (METHOD.md 6).
//
// Two file formats hold the same keys (visual.*, transformer.*,
// token_embedding.weight, positional_embedding, text_projection, logit_scale,
// ln_final.*): OpenAI's own archive (`ViT-B-16.pt`, a TorchScript model from
// torch.jit.save) and torch.save state dicts (.pt / .pth, e.g. re-saved or
// fine-tuned CLIP models, possibly saved on CUDA). Typical use:
//
//   StateDict weights = load_clip_weights("ViT-B-16.pt");
//   ClipVisual visual = build_clip_visual(weights, "ViT-B-16.pt");
//   ClipText text = build_clip_text(weights, "ViT-B-16.pt");
#pragma once

#include <string>

#include "core/config/clip_config.h"
#include "core/models/clip_text.h"
#include "core/models/clip_visual.h"
#include "core/models/torch_checkpoint.h"

namespace dap {

// Reads either format (told apart by the archive's contents) into CPU tensors;
// floating-point tensors become float32 (OpenAI's archives hold fp16 weights).
// Throws InputError naming the file when it is neither.
StateDict load_clip_weights(const std::string& path);

// The parameters and buffers of a TorchScript archive by their dotted names,
// which is what `model.state_dict()` of the loaded module gives in Python.
// Tensors keep their stored dtype. Throws InputError naming the file.
StateDict load_torchscript_state_dict(const std::string& path);

// Sizes read from the weight shapes, as CLIP's build_model does: width from
// conv1 / token_embedding, patch from conv1's kernel, layers by counting
// resblocks, grid from positional_embedding, output widths from the
// projections. Heads are not stored in the weights: `heads` = 0 means
// width / 64 (every OpenAI model), other values override it. Throws one
// InputError naming the file and every key it needed but did not find.
ClipVisualConfig infer_clip_visual_config(const StateDict& weights, const std::string& file, int64_t heads = 0);
ClipTextConfig infer_clip_text_config(const StateDict& weights, const std::string& file, int64_t heads = 0);

// Copies the `visual.*` keys (resp. the top-level text keys) of `weights` into
// the module, converting to its dtype. Keys of the other tower and the
// model-level extras (logit_scale, input_resolution, context_length,
// vocab_size) are ignored; anything else is an error. Throws ONE InputError
// naming `file` and every missing, unexpected or mis-shaped key.
void load_clip_visual(ClipVisual& module, const StateDict& weights, const std::string& file);
void load_clip_text(ClipText& module, const StateDict& weights, const std::string& file);

// infer_*_config, construct, load_*, eval(): a ready tower.
ClipVisual build_clip_visual(const StateDict& weights, const std::string& file, int64_t heads = 0);
ClipText build_clip_text(const StateDict& weights, const std::string& file, int64_t heads = 0);

// The stored logit_scale (the similarity scale is exp of it). Throws
// InputError naming the file when the key is absent.
double clip_logit_scale(const StateDict& weights, const std::string& file);

}  // namespace dap
