/*
 * pauditd.h: macros and forward declarations shared by every module.
 * No logic lives here; each module has its own header with its contract.
 */
#ifndef PAUDITD_H
#define PAUDITD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAUDITD_VERSION "1.0.0"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define PA_UNUSED	__attribute__((unused))
#define PA_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/*
 * The real-time signals pauditd sends its own threads, one per use: each
 * module installs its handler with its own flags (privs.c restarts calls,
 * output.c must interrupt them), so two uses must never share one.
 */
#define PA_SIG_PRIVS		(SIGRTMIN)	/* privs.c: drop capabilities */
#define PA_SIG_INTERRUPT	(SIGRTMIN + 1)	/* output.c: a blocked write */

struct buf;
struct msg;
struct record;
struct event;
struct reasm;
struct filter;
struct output;
struct source;
struct config;
struct ynode;
struct cfg_ctx;
struct metric;

/* Monotonic and wall clocks in milliseconds / nanoseconds. */
uint64_t now_mono_ms(void);
uint64_t now_mono_ns(void);
/* *ts: ms from now on CLOCK_MONOTONIC, for the timed waits of pthreads. */
struct timespec;
void mono_deadline(struct timespec *ts, int ms);
/* fd is open on the file st describes (the same device and inode). */
struct stat;
bool fd_is_file(int fd, const struct stat *st);
/* st is the file stdout or stderr writes to (the invoker chose it). */
bool std_file(const struct stat *st);
/*
 * FNV-1a of p[0, len), for the tables keyed by short names (nodes,
 * notification topics): not for anything an attacker picks to collide.
 */
uint64_t str_hash(const char *p, size_t len);

#endif
