"""The portable random draws of dap's data path (src/core/base/random.h), bit
for bit: std::mt19937_64, splitmix64 seed mixing, bounded integers without
modulo bias, unit reals from 53 bits and Fisher-Yates. The C++ code avoids
std:: distributions so that these few lines reproduce its draws exactly."""

_MASK = (1 << 64) - 1


class MT19937_64:
    """std::mt19937_64: the 64-bit Mersenne Twister of Matsumoto and Nishimura."""

    _N, _M = 312, 156
    _MATRIX_A = 0xB5026F5AA96619E9
    _UPPER, _LOWER = 0xFFFFFFFF80000000, 0x7FFFFFFF

    def __init__(self, seed=5489):
        state = [seed & _MASK]
        for i in range(1, self._N):
            previous = state[-1]
            state.append((6364136223846793005 * (previous ^ (previous >> 62)) + i) & _MASK)
        self._state = state
        self._next = self._N

    def _twist(self):
        s, n, m = self._state, self._N, self._M
        for i in range(n):
            x = (s[i] & self._UPPER) | (s[(i + 1) % n] & self._LOWER)
            s[i] = s[(i + m) % n] ^ (x >> 1) ^ (self._MATRIX_A if x & 1 else 0)
        self._next = 0

    def __call__(self):
        if self._next >= self._N:
            self._twist()
        x = self._state[self._next]
        self._next += 1
        x ^= (x >> 29) & 0x5555555555555555
        x ^= (x << 17) & 0x71D67FFFEDA60000
        x ^= (x << 37) & 0xFFF7EEE000000000
        return (x ^ (x >> 43)) & _MASK


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def mix_seed(*parts):
    """A 64-bit seed mixed from several integers (negative ones as C++'s uint64_t casts)."""
    state = 0x6A09E667F3BCC909
    for part in parts:
        state = splitmix64(state ^ (part & _MASK))
    return state


def random_below(rng, n):
    """Uniform integer in [0, n), n > 0, by rejection (no modulo bias)."""
    threshold = ((1 << 64) - n) % n
    while True:
        r = rng()
        if r >= threshold:
            return r % n


def random_unit(rng):
    """Uniform float in [0, 1) from the top 53 bits of one draw."""
    return (rng() >> 11) * 2.0 ** -53


def fisher_yates_shuffle(items, rng):
    """Shuffles the list in place, as dap's C++ does."""
    for i in range(len(items), 1, -1):
        j = random_below(rng, i)
        items[i - 1], items[j] = items[j], items[i - 1]
