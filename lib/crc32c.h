#ifndef LIBRELEASE_CRC32C_H
#define LIBRELEASE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends crc (0 to start) over len bytes. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
