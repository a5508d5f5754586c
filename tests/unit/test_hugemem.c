/*
 * test_hugemem.c: aligned regions (hugemem.h): sizes rounded to whole
 * 2 MiB regions, alignment, zeroes, pages given back reading as zeroes,
 * the huge page advice only when asked, and the mapping gone after
 * hugemem_free.
 */
#include <stdint.h>
#include <stdio.h>
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

/*
 * Whether the mapping that holds p carries MADV_HUGEPAGE ("hg" in its
 * VmFlags); -1 if not found.
 */
static int
advised(const void *p)
{
	unsigned long a = (unsigned long)(uintptr_t)p, lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0, r = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* A mapping's first line: "lo-hi perms ..."; then "Key: ...". */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo <= a && a < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			r = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return r;
}

/* Huge pages only once asked (a replay), never for the kernel source. */
TEST(advice_only_when_asked)
{
	char *p, *q;

	p = hugemem_alloc(1);
	hugemem_advise(true);
	q = hugemem_alloc(1);
	hugemem_advise(false);
	ASSERT(p != NULL && q != NULL);
	ASSERT_EQ(advised(p), 0);
	ASSERT_EQ(advised(q), 1);
	hugemem_free(p, 1);
	hugemem_free(q, 1);
}

TEST(too_large_refused)
{
	ASSERT(hugemem_alloc(SIZE_MAX - 10) == NULL);
	ASSERT(hugemem_alloc(0) == NULL);
}

TEST_MAIN(T(rounded_aligned_zeroed), T(released_pages_read_as_zeroes),
    T(advice_only_when_asked), T(too_large_refused))
