// codecs_internal.h: pieces shared by the PNG and JPEG readers (not part of the public header).
#pragma once

#include "sigtune_codecs.h"

/// Every format's reader starts with this, so reader.c can dispatch without knowing the format.
struct sigtune_image_reader {
    int32_t (*read_rgb)(sigtune_image_reader *reader, uint8_t *rgb, sigtune_codec_error *error);
    void (*close)(sigtune_image_reader *reader);
    int pixels_read;  // read_rgb may run once: the libraries cannot rewind
};

/// Fills `error` (if non-NULL) with a status and a printf-style message.
void sigtune_set_error(sigtune_codec_error *error, int32_t status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

sigtune_image_reader *sigtune_png_open(
    const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
    sigtune_codec_error *error);
sigtune_image_reader *sigtune_jpeg_open(
    const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
    sigtune_codec_error *error);
