// pillow_convert.c: row converters that reproduce Pillow's unpack + convert("RGB").
// See pillow_convert.h for the Pillow function behind each one.
#include "pillow_convert.h"

void sigtune_gray_low_bits_to_rgb(const uint8_t *in, uint8_t *out, size_t count, int bit_depth) {
    // Scale so the largest code maps to 255: 1 bit x255, 2 bits x85 (0x55), 4 bits x17 (0x11).
    const unsigned scale = 255u / ((1u << bit_depth) - 1u);
    for (size_t i = 0; i < count; i++) {
        const uint8_t v = (uint8_t)(in[i] * scale);
        out[3 * i + 0] = v;
        out[3 * i + 1] = v;
        out[3 * i + 2] = v;
    }
}

void sigtune_gray8_to_rgb(const uint8_t *in, uint8_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        out[3 * i + 0] = in[i];
        out[3 * i + 1] = in[i];
        out[3 * i + 2] = in[i];
    }
}

void sigtune_gray16be_to_rgb(const uint8_t *in, uint8_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const uint8_t high = in[2 * i], low = in[2 * i + 1];
        const uint8_t v = high == 0 ? low : 255;
        out[3 * i + 0] = v;
        out[3 * i + 1] = v;
        out[3 * i + 2] = v;
    }
}

void sigtune_gray_alpha8_to_rgb(const uint8_t *in, uint8_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const uint8_t v = in[2 * i];
        out[3 * i + 0] = v;
        out[3 * i + 1] = v;
        out[3 * i + 2] = v;
    }
}

void sigtune_rgba8_to_rgb(const uint8_t *in, uint8_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        out[3 * i + 0] = in[4 * i + 0];
        out[3 * i + 1] = in[4 * i + 1];
        out[3 * i + 2] = in[4 * i + 2];
    }
}

void sigtune_palette_to_rgb(const uint8_t *in, uint8_t *out, size_t count,
                            const uint8_t palette_rgb[256 * 3]) {
    for (size_t i = 0; i < count; i++) {
        const uint8_t *entry = &palette_rgb[3 * in[i]];
        out[3 * i + 0] = entry[0];
        out[3 * i + 1] = entry[1];
        out[3 * i + 2] = entry[2];
    }
}

static inline int muldiv255(int a, int b) {
    const int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

static inline uint8_t clip8(int v) {
    return v <= 0 ? 0 : v < 256 ? (uint8_t)v : 255;
}

void sigtune_inverted_cmyk_to_rgb(const uint8_t *in, uint8_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        // Undo the Adobe inversion first (unpackCMYKI), then cmyk2rgb on Pillow's values.
        const int c = 255 - in[4 * i + 0];
        const int m = 255 - in[4 * i + 1];
        const int y = 255 - in[4 * i + 2];
        const int k = 255 - in[4 * i + 3];
        const int nk = 255 - k;
        out[3 * i + 0] = clip8(nk - muldiv255(c, nk));
        out[3 * i + 1] = clip8(nk - muldiv255(m, nk));
        out[3 * i + 2] = clip8(nk - muldiv255(y, nk));
    }
}
