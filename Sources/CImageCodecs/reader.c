// reader.c: the format-independent entry points of sigtune_codecs.h.
#include <stdarg.h>
#include <stdio.h>

#include "codecs_internal.h"

void sigtune_set_error(sigtune_codec_error *error, int32_t status, const char *format, ...) {
    if (!error) return;
    error->status = status;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
}

sigtune_image_reader *sigtune_reader_open(
    sigtune_image_format format, const uint8_t *data, size_t size,
    uint32_t *width, uint32_t *height, sigtune_codec_error *error) {
    if (!data || !width || !height) {
        sigtune_set_error(error, SIGTUNE_CODEC_USAGE, "sigtune_reader_open: null argument");
        return NULL;
    }
    switch (format) {
        case SIGTUNE_FORMAT_PNG:
            return sigtune_png_open(data, size, width, height, error);
        case SIGTUNE_FORMAT_JPEG:
            return sigtune_jpeg_open(data, size, width, height, error);
    }
    sigtune_set_error(error, SIGTUNE_CODEC_USAGE, "sigtune_reader_open: unknown format %d",
                      (int)format);
    return NULL;
}

int32_t sigtune_reader_read_rgb(
    sigtune_image_reader *reader, uint8_t *rgb, sigtune_codec_error *error) {
    if (!reader || !rgb) {
        sigtune_set_error(error, SIGTUNE_CODEC_USAGE, "sigtune_reader_read_rgb: null argument");
        return SIGTUNE_CODEC_USAGE;
    }
    if (reader->pixels_read) {
        sigtune_set_error(error, SIGTUNE_CODEC_USAGE,
                          "sigtune_reader_read_rgb: pixels were already read");
        return SIGTUNE_CODEC_USAGE;
    }
    reader->pixels_read = 1;
    return reader->read_rgb(reader, rgb, error);
}

void sigtune_reader_close(sigtune_image_reader *reader) {
    if (reader) reader->close(reader);
}
