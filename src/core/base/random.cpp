#include "core/base/random.h"

namespace dap {

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t mix_seed(std::initializer_list<uint64_t> parts) {
  uint64_t state = 0x6a09e667f3bcc909ULL;
  for (uint64_t part : parts) state = splitmix64(state ^ part);
  return state;
}

uint64_t random_below(std::mt19937_64& rng, uint64_t n) {
  // Draws below `threshold` would make the smallest residues more likely; 2^64 mod n of them.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

double random_unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace dap
