/*
 * fuzz.h: what the libFuzzer harnesses (tests/fuzz/fuzz_*.c) share.
 *
 * A harness checks the contract of the module it drives, beyond "does
 * not crash": FUZZ_CHECK aborts with the broken invariant, which
 * libFuzzer reports as a crash and saves the input for (make fuzz). It
 * writes to fd 2 itself: fuzz_quiet_logs may have pointed stdio's stderr,
 * which the daemon's log goes to, at /dev/null.
 */
#ifndef PAUDITD_FUZZ_H
#define PAUDITD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(c, ...) do {						\
	if (!(c)) {							\
		dprintf(STDERR_FILENO, "%s:%d: invariant broken: %s: ",	\
		    __FILE__, __LINE__, #c);				\
		dprintf(STDERR_FILENO, __VA_ARGS__);			\
		dprintf(STDERR_FILENO, "\n");				\
		abort();						\
	}								\
} while (0)

/*
 * The daemon's log (log.h) writes to stdio's stderr, a few lines per
 * malformed input: thousands a second would slow the fuzzer down and
 * bury its own report. Point stderr at /dev/null, unless
 * PAUDITD_FUZZ_LOG=1 (to read what the daemon said about a reproducer).
 * libFuzzer took its own copy of stderr at start-up, and the sanitizers
 * write to fd 2: their reports still show.
 */
static inline void
fuzz_quiet_logs(void)
{
	const char *v = getenv("PAUDITD_FUZZ_LOG");
	FILE *null;

	if (v != NULL && v[0] == '1')
		return;
	if ((null = fopen("/dev/null", "w")) != NULL)
		stderr = null;
}

#endif
