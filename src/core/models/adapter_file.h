// A stored adaptation block: the "adapter" entry of dap-pretrain's adapter.pt,
// or the adapter inside the classifier of dap-finetune's model.pt. Both also
// record the ids of the clips the block was pretrained on, so that a run can
// refuse an adapter that has seen its test clips (core/data/test_clip_guard.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "core/models/adaptation_block.h"

namespace dap {

// Loads the adaptation block stored in `file`: an adapter.pt of dap-pretrain or
// the adapter of a dap-finetune model.pt. Returns the opened archive (for the
// caller to read more); InputError naming `key` when the file is missing or
// holds no adapter that fits.
torch::serialize::InputArchive load_adapter_weights(VideoAdapter& adapter, const std::string& file,
                                                    const std::string& key);

// The "pretrain_video_ids" entry (a JSON list): written into adapter.pt by
// dap-pretrain and carried on into model.pt by dap-finetune.
void write_pretraining_video_ids(torch::serialize::OutputArchive& archive, const std::vector<std::string>& ids);
// The ids `file` records, or nullopt when it records none (a model fine-tuned
// from a fresh adapter). InputError when the file cannot be read.
std::optional<std::vector<std::string>> read_pretraining_video_ids(const std::string& file);

}  // namespace dap
