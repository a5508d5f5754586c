/*
 * harness.h: the unit test harness. A test file defines TEST(name)
 * functions and lists them in TEST_LIST; main() runs them all and prints
 * "N passed, N failed" as its last line. ASSERT_* stop the current test.
 */
#ifndef PAUDITD_HARNESS_H
#define PAUDITD_HARNESS_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct test_case {
	const char	*name;
	void		(*fn)(int *failed);
};

#define TEST(name) static void test_##name(int *failed_)
#define T(name) { #name, test_##name }

#define FAIL_(...) do {							\
	fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	*failed_ = 1;							\
	return;								\
} while (0)

#define ASSERT(c) do { if (!(c)) FAIL_("assertion failed: %s", #c); } while (0)
#define ASSERT_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) FAIL_("%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
} while (0)
#define ASSERT_STREQ(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)		\
		FAIL_("%s\n    got:      \"%s\"\n    expected: \"%s\"", #a, \
		    a_ ? a_ : "(null)", b_ ? b_ : "(null)");		\
} while (0)
#define ASSERT_MEMEQ(p, n, s) do {					\
	size_t n_ = (n); const char *s_ = (s);				\
	if (n_ != strlen(s_) || memcmp((p), s_, n_) != 0)		\
		FAIL_("%s\n    got:      \"%.*s\"\n    expected: \"%s\"", #p, \
		    (int)n_, (const char *)(p), s_);			\
} while (0)

/*
 * Run fn in a child with stderr silenced; true if it exited 0. For code
 * that must not crash (a sanitizer abort or a signal fails the test
 * without taking the other tests down).
 */
static inline bool
survives(void (*fn)(void))
{
	pid_t pid;
	int st, fd;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return false;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 2);
		fn();
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * A small deterministic generator (xorshift32) for the randomised tests;
 * a file picks its sequence with TEST_RNG_SEED before including this.
 */
#ifndef TEST_RNG_SEED
#define TEST_RNG_SEED 1
#endif
static uint32_t rng_state = TEST_RNG_SEED;

static inline uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

#define TEST_MAIN(...)							\
int main(void) {							\
	static const struct test_case tests_[] = { __VA_ARGS__ };	\
	int passed = 0, failed = 0;					\
	size_t i;							\
	for (i = 0; i < sizeof(tests_) / sizeof(tests_[0]); i++) {	\
		int f = 0;						\
		tests_[i].fn(&f);					\
		printf("%s %s\n", f ? "FAIL" : "ok  ", tests_[i].name);	\
		if (f) failed++; else passed++;				\
	}								\
	printf("%d passed, %d failed\n", passed, failed);		\
	return failed ? 1 : 0;						\
}

#endif
