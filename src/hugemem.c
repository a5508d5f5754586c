/*
 * hugemem.c: aligned 2 MiB regions with transparent huge pages
 * (hugemem.h).
 *
 * mmap promises page alignment only (kernels since 6.7 align large
 * anonymous mappings for huge pages themselves): a region that comes
 * unaligned is mapped again with one alignment's worth to spare, and the
 * unaligned head and tail are unmapped.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "hugemem.h"

static bool advise;

void
hugemem_advise(bool on)
{
	advise = on;
}

static char *
map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *
hugemem_alloc(size_t size)
{
	size_t len = hugemem_round(size), head;
	char *p;

	if (len == 0 || len + HUGEMEM_ALIGN < len) {
		errno = ENOMEM;
		return NULL;
	}
	p = map(len);
	if (p != NULL && ((uintptr_t)p & (HUGEMEM_ALIGN - 1)) != 0) {
		munmap(p, len);
		if ((p = map(len + HUGEMEM_ALIGN)) != NULL) {
			head = (size_t)(-(uintptr_t)p & (HUGEMEM_ALIGN - 1));
			if (head > 0)
				munmap(p, head);
			munmap(p + head + len, HUGEMEM_ALIGN - head);
			p += head;
		}
	}
	if (p == NULL)
		return NULL;
	/* Advice only: without huge pages the region is plain memory. */
	if (advise)
		(void)madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void
hugemem_free(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, hugemem_round(size));
}

void
hugemem_release(void *p, size_t len)
{
	(void)madvise(p, len, MADV_DONTNEED);
}
