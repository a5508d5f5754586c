/*
 * json.h: a streaming JSON writer into a struct buf. No DOM.
 *
 * Strings are escaped exactly as Go's encoding/json escapes them, so
 * that pauditd's lines are byte for byte those of pauditd (Go): '"' and
 * '\' escaped; '<', '>', '&' as \u003c \u003e \u0026; control characters
 * as \u00XX except \n \r \t; U+2028 and U+2029 as \u2028 \u2029; every
 * byte that is not part of valid UTF-8 as \ufffd.
 */
#ifndef PAUDITD_JSON_H
#define PAUDITD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Append `s` as a quoted JSON string. */
void json_str(struct buf *b, const char *s, size_t len);
/* Append the unsigned decimal `v`. */
void json_u64(struct buf *b, uint64_t v);

#endif
