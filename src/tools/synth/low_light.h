// A physically motivated low-light camera (the demo's dark domain): the
// scene's linear intensity is scaled down (short exposure, little light), the
// sensor counts photons (shot noise: Poisson), adds read noise (Gaussian, in
// electrons), the camera applies a gain and its gamma and quantises to 8 bits.
// ARID itself darkened footage with a gamma of 0.5; real low-light footage is
// noisier, which is what the photon model adds. Torch-free and deterministic:
// all randomness comes from the generator passed in (no std:: distributions,
// whose outputs differ between standard libraries).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace dap::synth {

struct LowLightCamera {
  double exposure = 0.03;      // fraction of the bright scene's light reaching the sensor
  double full_well = 2000.0;   // electrons at a fully exposed pixel of the bright scene
  double read_noise = 4.0;     // electrons, standard deviation
  double gain = 3.0;           // the camera's amplification after readout
  double gamma = 2.2;          // display encoding: out = linear^(1/gamma)
};

// sRGB-like 8-bit value -> linear intensity in [0, 1] (gamma 2.2).
double to_linear(uint8_t value);

// Poisson(mean) and standard normal draws from `rng` (Knuth's method for small
// means, a rounded normal above 30).
int64_t poisson(double mean, std::mt19937_64& rng);
double standard_normal(std::mt19937_64& rng);

// The frame as the low-light camera records it: RGB uint8 in, RGB uint8 out.
std::vector<uint8_t> record_low_light(const std::vector<uint8_t>& bright, const LowLightCamera& camera,
                                      std::mt19937_64& rng);

}  // namespace dap::synth
