// PNG encoding for generated images (the server's demo dataset, tests). libpng reports errors by
// longjmp; the jump lands here and becomes a status code.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "sigtune_codecs.h"

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} png_sink;

typedef struct {
    jmp_buf jump;
    sigtune_codec_error *error;
} png_write_context;

static void sink_write(png_structp png, png_bytep bytes, png_size_t count) {
    png_sink *sink = (png_sink *)png_get_io_ptr(png);
    if (sink->failed) return;
    if (sink->size + count > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (capacity < sink->size + count) capacity *= 2;
        uint8_t *grown = realloc(sink->data, capacity);
        if (!grown) { sink->failed = 1; return; }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, bytes, count);
    sink->size += count;
}

static void sink_flush(png_structp png) { (void)png; }

static void write_error(png_structp png, png_const_charp message) {
    png_write_context *context = (png_write_context *)png_get_error_ptr(png);
    context->error->status = SIGTUNE_CODEC_CORRUPT;
    strncpy(context->error->message, message, sizeof(context->error->message) - 1);
    context->error->message[sizeof(context->error->message) - 1] = 0;
    longjmp(context->jump, 1);
}

static void write_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

int32_t sigtune_png_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height,
                               uint8_t **png_out, size_t *png_size, sigtune_codec_error *error) {
    error->status = SIGTUNE_CODEC_OK;
    error->message[0] = 0;
    if (!rgb || !png_out || !png_size || width == 0 || height == 0) {
        error->status = SIGTUNE_CODEC_USAGE;
        strcpy(error->message, "empty image or null pointer");
        return error->status;
    }
    png_write_context context;
    context.error = error;
    png_sink sink = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, write_error, write_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        error->status = SIGTUNE_CODEC_OUT_OF_MEMORY;
        strcpy(error->message, "libpng could not allocate its structures");
        return error->status;
    }
    if (setjmp(context.jump)) {
        png_destroy_write_struct(&png, &info);
        free(sink.data);
        return error->status;
    }
    png_set_write_fn(png, &sink, sink_write, sink_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (sink.failed) {
        free(sink.data);
        error->status = SIGTUNE_CODEC_OUT_OF_MEMORY;
        strcpy(error->message, "out of memory while encoding");
        return error->status;
    }
    *png_out = sink.data;
    *png_size = sink.size;
    return SIGTUNE_CODEC_OK;
}

void sigtune_png_free(uint8_t *png) { free(png); }
