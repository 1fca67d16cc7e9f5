// SHA-256 of files and buffers (OpenSSL), as lowercase hex: asset checks,
// shard checksums in the index, enhancer weight identity.
#pragma once

#include <cstddef>
#include <string>

namespace dap {

std::string sha256_file(const std::string& path);
std::string sha256_bytes(const void* data, std::size_t size);

}  // namespace dap
