/*
 * linesplit.h: split a buffer of auditd log text into lines, finding each
 * line's ENRICHED separator (0x1d) in the same pass.
 *
 * Every byte has to be looked at for '\n' anyway; looking for 0x1d in the
 * same pass spares the parser a second scan of the line. The lines go to
 * a source_sink, cut as struct source_line describes, in batches. Pure:
 * no I/O, no allocation, no state between calls.
 */
#ifndef PAUDITD_LINESPLIT_H
#define PAUDITD_LINESPLIT_H

#include <stdbool.h>
#include <stddef.h>

struct source_sink;

/*
 * Hand every complete line of buf[0, len) to sink->lines, and the
 * unterminated tail too when `final`; all of them before it returns.
 * Returns the length of the prefix consumed: the caller keeps
 * buf[ret, len) and passes it again, with more text after it, in the
 * next call. *ret_lines counts the lines handed.
 */
size_t linesplit(const char *buf, size_t len, bool final,
    const struct source_sink *sink, size_t *ret_lines);

/*
 * The same, on SSE2 only, whatever the CPU has: for the unit tests, which
 * run both this and linesplit (AVX2 where the CPU has it) on one input.
 */
size_t linesplit_sse2(const char *buf, size_t len, bool final,
    const struct source_sink *sink, size_t *ret_lines);

#endif
