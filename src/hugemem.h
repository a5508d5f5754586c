/*
 * hugemem.h: memory in whole, aligned 2 MiB regions that the kernel may
 * back with transparent huge pages.
 *
 * For the few long-lived buffers the hot path writes through (the message
 * slabs, the replay's read buffer): backed by 4 KiB pages, the first pass
 * over them takes a page fault for every 4 KiB (about 3 us each on a
 * virtual machine: 6 ms for 8 MiB, a few percent of a whole replay), and
 * every pass a TLB entry per 4 KiB. A huge page takes one of each.
 *
 * The regions come from mmap, zero-filled, and are asked for huge pages
 * with madvise(MADV_HUGEPAGE) once hugemem_advise(true) was called: where
 * transparent huge pages are off ("never"), or none is free, they are
 * plain memory and everything still works. Only a replay asks: with the
 * kernel's default defrag policy ("madvise") a fault in such a region may
 * compact memory first, a stall the kernel source must not take in the
 * burst that grows its queues. Allocation failure returns NULL (the
 * callers' OOM policy applies).
 */
#ifndef PAUDITD_HUGEMEM_H
#define PAUDITD_HUGEMEM_H

#include <stdbool.h>
#include <stddef.h>

#define HUGEMEM_ALIGN	((size_t)2 << 20)

/* `size` rounded up to whole regions: what hugemem_alloc maps. */
static inline size_t
hugemem_round(size_t size)
{
	return (size + HUGEMEM_ALIGN - 1) & ~(HUGEMEM_ALIGN - 1);
}

/* Ask for huge pages in the regions allocated from now on (default: no). */
void hugemem_advise(bool on);
/*
 * hugemem_round(size) bytes of zeroes at a HUGEMEM_ALIGN boundary, or NULL
 * (errno set). Free with hugemem_free and the same size.
 */
void *hugemem_alloc(size_t size);
void hugemem_free(void *p, size_t size);
/*
 * Give the pages of [p, p + len) back to the system and keep the mapping:
 * they read as zeroes after. p and len are multiples of the page size.
 */
void hugemem_release(void *p, size_t len);

#endif
