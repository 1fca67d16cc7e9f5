// Base64 (RFC 4648, standard alphabet, '=' padding): binary files embedded in
// text, e.g. PNG figures as data: URIs in dap-evaluate's HTML report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dap {

std::string base64_encode(const void* data, std::size_t size);
inline std::string base64_encode(const std::vector<uint8_t>& bytes) { return base64_encode(bytes.data(), bytes.size()); }

}  // namespace dap
