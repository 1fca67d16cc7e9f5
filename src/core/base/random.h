// The portable random draws of the data path and the demo generator: seed
// mixing, bounded integers, unit reals, Fisher-Yates. No std:: distribution is
// used: their outputs differ between standard libraries, std::mt19937_64
// itself does not, so the same seeds give the same draws everywhere.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <utility>
#include <vector>

namespace dap {

// The splitmix64 finaliser: a well-mixed 64-bit function of x.
uint64_t splitmix64(uint64_t x);
// A 64-bit seed for one random decision, mixed from several integers (splitmix64 chain).
uint64_t mix_seed(std::initializer_list<uint64_t> parts);
// Uniform integer in [0, n), n > 0, without modulo bias (rejection).
uint64_t random_below(std::mt19937_64& rng, uint64_t n);
// Uniform double in [0, 1) from the top 53 bits of one draw.
double random_unit(std::mt19937_64& rng);

template <typename T>
void fisher_yates_shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[random_below(rng, i)]);
}

}  // namespace dap
