/*
 * hugemem.c: aligned 2 MiB regions with transparent huge pages
 * (hugemem.h).
 *
 * mmap aligns to pages only: the region is mapped with one alignment's
 * worth to spare, and the unaligned head and tail are unmapped again.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "hugemem.h"

void *
hugemem_alloc(size_t size)
{
	size_t len = hugemem_round(size), head;
	char *p;

	if (len == 0 || len + HUGEMEM_ALIGN < len) {
		errno = ENOMEM;
		return NULL;
	}
	p = mmap(NULL, len + HUGEMEM_ALIGN, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (size_t)(-(uintptr_t)p & (HUGEMEM_ALIGN - 1));
	if (head > 0)
		munmap(p, head);
	munmap(p + head + len, HUGEMEM_ALIGN - head);
	p += head;
	/* Advice only: without huge pages the region is plain memory. */
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
