// Reading a stored adaptation block: the "adapter" entry of dap-pretrain's
// adapter.pt, or the adapter inside the classifier of dap-finetune's model.pt.
#pragma once

#include <string>

#include <torch/serialize/input-archive.h>

#include "core/models/adaptation_block.h"

namespace dap {

// Loads the adaptation block stored in `file`: an adapter.pt of dap-pretrain or
// the adapter of a dap-finetune model.pt. Returns the opened archive (for the
// caller to read more); InputError naming `key` when the file is missing or
// holds no adapter that fits.
torch::serialize::InputArchive load_adapter_weights(VideoAdapter& adapter, const std::string& file,
                                                    const std::string& key);

}  // namespace dap
