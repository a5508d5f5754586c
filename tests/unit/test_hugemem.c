/*
 * test_hugemem.c: aligned regions (hugemem.h): sizes rounded to whole
 * 2 MiB regions, alignment, zeroes, pages given back reading as zeroes,
 * and the mapping gone after hugemem_free.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#include "../../src/hugemem.h"

/* Whether the page at p (page-aligned) is mapped. */
static bool
mapped(const void *p)
{
	unsigned char v;

	return mincore((void *)(uintptr_t)p, 1, &v) == 0;
}

static bool
zeroes(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

TEST(rounded_aligned_zeroed)
{
	static const size_t sizes[] = { 1, 4096, HUGEMEM_ALIGN,
	    HUGEMEM_ALIGN + 1, 3 * HUGEMEM_ALIGN - 7 };
	size_t i, len;
	char *p;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = hugemem_round(sizes[i]);
		ASSERT(len >= sizes[i] && len % HUGEMEM_ALIGN == 0 &&
		    len - sizes[i] < HUGEMEM_ALIGN);
		p = hugemem_alloc(sizes[i]);
		ASSERT(p != NULL);
		ASSERT_EQ((uintptr_t)p % HUGEMEM_ALIGN, 0);
		ASSERT(zeroes(p, len));
		memset(p, 'x', len);
		ASSERT(mapped(p + len - 4096));
		hugemem_free(p, sizes[i]);
		ASSERT(!mapped(p) && !mapped(p + len - 4096));
	}
	hugemem_free(NULL, 1);
}

TEST(released_pages_read_as_zeroes)
{
	char *p = hugemem_alloc(HUGEMEM_ALIGN);

	ASSERT(p != NULL);
	memset(p, 'x', HUGEMEM_ALIGN);
	hugemem_release(p + 65536, 65536);
	ASSERT_EQ(p[65535], 'x');
	ASSERT(zeroes(p + 65536, 65536));
	ASSERT_EQ(p[2 * 65536], 'x');
	hugemem_free(p, HUGEMEM_ALIGN);
}

TEST(too_large_refused)
{
	ASSERT(hugemem_alloc(SIZE_MAX - 10) == NULL);
	ASSERT(hugemem_alloc(0) == NULL);
}

TEST_MAIN(T(rounded_aligned_zeroed), T(released_pages_read_as_zeroes),
    T(too_large_refused))
