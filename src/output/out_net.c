/*
 * out_net.c: Go-style dialing for the syslog and GELF outputs.
 *
 * DESIGN: outputs run on their own worker thread and may block, but never
 * forever: connects and sends are bounded by a timeout so that a wedged
 * peer turns into a RETRY the core can back off from. A stream peer that
 * closed the connection is detected before writing (poll for POLLRDHUP),
 * because a write into a half-closed TCP connection succeeds and the
 * event would be lost without an error; what such a connection (or one
 * reset, or stuck) still held is sent again from the journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../log.h"
#include "../metrics.h"
#include "../pauditd.h"
#include "out_net.h"
#include "output.h"

struct net_kind {
	const char	*name;
	int		 family;	/* AF_UNSPEC: ask getaddrinfo */
	int		 socktype;
};

static const struct net_kind net_kinds[] = {
	{ "tcp", AF_UNSPEC, SOCK_STREAM },
	{ "tcp4", AF_INET, SOCK_STREAM },
	{ "tcp6", AF_INET6, SOCK_STREAM },
	{ "udp", AF_UNSPEC, SOCK_DGRAM },
	{ "udp4", AF_INET, SOCK_DGRAM },
	{ "udp6", AF_INET6, SOCK_DGRAM },
	{ "unix", AF_UNIX, SOCK_STREAM },
	{ "unixgram", AF_UNIX, SOCK_DGRAM },
	{ "unixpacket", AF_UNIX, SOCK_SEQPACKET },
};

static const struct net_kind *
net_kind(const char *network)
{
	size_t i;

	for (i = 0; i < nitems(net_kinds); i++)
		if (strcmp(net_kinds[i].name, network) == 0)
			return &net_kinds[i];
	return NULL;
}

bool
out_net_known(const char *network)
{
	return net_kind(network) != NULL;
}

bool
out_net_is_stream(const char *network)
{
	const struct net_kind *k = net_kind(network);

	return k != NULL && k->socktype != SOCK_DGRAM;
}

int
out_net_split(const char *address, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char *colon, *h = address;
	size_t hl;

	if ((colon = strrchr(address, ':')) == NULL || colon[1] == '\0')
		return -EINVAL;
	hl = (size_t)(colon - address);
	if (hl >= 2 && address[0] == '[' && address[hl - 1] == ']') {
		h++;
		hl -= 2;
	} else if (memchr(address, ':', hl) != NULL)
		return -EINVAL;	/* a bare IPv6 address needs brackets */
	if (hl >= hostlen || strlen(colon + 1) >= portlen)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

/* Wait for a non-blocking connect; 0 or -errno. */
static int
connect_wait(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t sl = sizeof(int);
	int err = 0, r;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		return -errno;
	return -err;
}

static int
connect_timed(int family, int socktype, const struct sockaddr *sa,
    socklen_t salen, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int fd, r;

	fd = socket(family, socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, sa, salen) < 0) {
		r = errno == EINPROGRESS || errno == EAGAIN ?
		    connect_wait(fd, timeout_ms) : -errno;
		if (r < 0)
			goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

static int
dial_unix(const struct net_kind *k, const char *path, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	return connect_timed(AF_UNIX, k->socktype, (struct sockaddr *)&sun,
	    sizeof(sun), timeout_ms);
}

static int
dial_inet(const struct net_kind *k, const char *address, int timeout_ms)
{
	struct addrinfo hints = { .ai_family = k->family,
	    .ai_socktype = k->socktype, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL, *ai;
	char host[256], port[32];
	int fd = -EHOSTUNREACH, r;

	if (out_net_split(address, host, sizeof(host), port, sizeof(port)) < 0)
		return -EINVAL;
	/* Go dials the local system for an empty host. */
	r = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (r != 0)
		return r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = connect_timed(ai->ai_family, ai->ai_socktype, ai->ai_addr,
		    ai->ai_addrlen, timeout_ms);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

int
out_net_dial(const char *network, const char *address, int timeout_ms)
{
	const struct net_kind *k = net_kind(network);

	if (k == NULL)
		return -EPROTONOSUPPORT;
	if (k->family == AF_UNIX)
		return dial_unix(k, address, timeout_ms);
	return dial_inet(k, address, timeout_ms);
}

int
out_net_peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	socklen_t sl = sizeof(int);
	int err = 0;
	ssize_t n;
	char c;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP)) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 &&
		    err == ECONNRESET)
			return -ECONNRESET;
	}
	/* Our peers never talk back; anything readable is EOF or junk. */
	if ((n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT)) < 0 &&
	    errno == ECONNRESET)
		return -ECONNRESET;
	if (pfd.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL))
		return -EPIPE;
	return n <= 0 ? -EPIPE : 0;
}

int
out_net_send(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	do {
		w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0) {
			/* Not once the core interrupted us at the deadline. */
			if (errno == EINTR && !output_interrupted())
				continue;
			return errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		}
		c += w;
		n -= (size_t)w;
	} while (n > 0);
	return 0;
}

void
out_net_refused(const char *name, struct metric *lost)
{
	static struct log_ratelimit rl;

	metric_inc(lost);
	log_warn_ratelimited(&rl, "[output %s] a datagram was refused (nothing "
	    "listening): an event counted written is lost (counted in "
	    "pauditd_output_dropped_unacked_total)", name);
}

/* ---- the journal of a stream connection ---- */

#define JOURNAL_RECORDS		8192	/* the ring's first size */
#define JOURNAL_RECORDS_MAX	(1u << 22)	/* records of a byte or more */
#define JOURNAL_UNIX_TRIM	64	/* records between two trims, unix */
#define JOURNAL_CLOSE_MS	1000	/* a reopen waits this long for acks */

struct metric *
out_net_resent_metric(const char *name)
{
	return metrics_counter("pauditd_output_resent_total",
	    "events sent again after a stream connection lost them", NULL,
	    "output", name);
}

void
out_net_journal_init(struct out_net_journal *j)
{
	memset(j, 0, sizeof(*j));
	buf_init(&j->data);
}

void
out_net_journal_fini(struct out_net_journal *j)
{
	buf_fini(&j->data);
	free(j->len);
	memset(j, 0, sizeof(*j));
}

/* The i-th oldest record's length. */
static uint32_t
rec_len(const struct out_net_journal *j, size_t i)
{
	return j->len[(j->head + i) % j->cap];
}

static void
pop_oldest(struct out_net_journal *j)
{
	uint32_t l = rec_len(j, 0);

	j->start += l;
	j->bytes -= l;
	j->head = (j->head + 1) % j->cap;
	j->n--;
	if (j->sent > 0)
		j->sent--;
	if (j->n == 0) {
		j->start = 0;
		buf_reset(&j->data);
	}
}

/*
 * Let go of the oldest records sent on fd that its peer acknowledged;
 * `extra` bytes were sent on fd after them (a record not kept yet).
 * When the kernel cannot say, nothing was acknowledged.
 */
static void
trim_acked(struct out_net_journal *j, int fd, size_t extra)
{
	size_t i, sent_bytes = extra, acked;
	int q;

	for (i = 0; i < j->sent; i++)
		sent_bytes += rec_len(j, i);
	if (ioctl(fd, SIOCOUTQ, &q) < 0 || q < 0 || (size_t)q > sent_bytes)
		return;
	acked = sent_bytes - (size_t)q;
	while (j->sent > 0 && rec_len(j, 0) <= acked) {
		acked -= rec_len(j, 0);
		pop_oldest(j);
	}
}

int
out_net_journal_resend(struct out_net_journal *j, int fd, size_t *ret_sent)
{
	size_t off = j->start, i;
	int r;

	*ret_sent = 0;
	for (i = 0; i < j->sent; i++)
		off += rec_len(j, i);
	while (j->sent < j->n) {
		if ((r = out_net_send(fd, j->data.p + off, rec_len(j, j->sent))) < 0)
			return r;
		off += rec_len(j, j->sent);
		j->sent++;
		(*ret_sent)++;
	}
	return 0;
}

/*
 * Twice the ring's room, its records in order from 0. The byte bound,
 * not the count of records, is to decide what the journal keeps: a ring
 * of 8,192 let small events go unacknowledged long before 4 MiB.
 */
static int
grow_ring(struct out_net_journal *j)
{
	size_t cap = j->cap ? 2 * j->cap : JOURNAL_RECORDS, i;
	uint32_t *v;

	if (cap > JOURNAL_RECORDS_MAX || (v = calloc(cap, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < j->n; i++)
		v[i] = rec_len(j, i);
	free(j->len);
	j->len = v;
	j->cap = cap;
	j->head = 0;
	return 0;
}

/* A unix stream's peer that is gone frees what it had not read. */
static bool
is_unix(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	return getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    ss.ss_family == AF_UNIX;
}

void
out_net_journal_add(struct out_net_journal *j, int fd, const void *p,
    size_t len)
{
	if (len > OUT_NET_JOURNAL_MAX) {
		j->unprotected++;
		return;
	}
	if (j->cap == 0)
		j->unix_peer = is_unix(fd);
	/* Make room in the ring: the bytes are counted below, with it. */
	if (j->n == j->cap)
		trim_acked(j, fd, len);
	if (j->n == j->cap && grow_ring(j) < 0) {
		if (j->n == 0) {
			j->unprotected++;
			return;
		}
		pop_oldest(j);
		j->unprotected++;
	}
	/*
	 * What a unix peer read is known only while it lives (a peer that
	 * is gone takes its unread bytes with it, and the queue reads 0):
	 * let go of what it read every few records, not at the loss.
	 */
	if (j->unix_peer && ++j->since_trim >= JOURNAL_UNIX_TRIM) {
		j->since_trim = 0;
		trim_acked(j, fd, 0);
	}
	/* Move the live bytes down before the buffer grows past twice them. */
	if (j->start > 0 && j->start >= j->data.len / 2) {
		memmove(j->data.p, j->data.p + j->start, j->data.len - j->start);
		j->data.len -= j->start;
		j->start = 0;
	}
	buf_append(&j->data, p, len);
	j->len[(j->head + j->n) % j->cap] = (uint32_t)len;
	j->n++;
	j->sent++;
	j->bytes += len;
	/*
	 * Over the bound, let go of what the peer acknowledged (fd's queue
	 * holds the new record too now); a peer that acknowledges nothing of
	 * so much leaves only the newest protected.
	 */
	if (j->bytes > OUT_NET_JOURNAL_MAX)
		trim_acked(j, fd, 0);
	while (j->n > 1 && j->bytes > OUT_NET_JOURNAL_MAX) {
		pop_oldest(j);
		j->unprotected++;
	}
}

size_t
out_net_journal_lost(struct out_net_journal *j, int fd)
{
	/* A unix peer gone: its queue reads 0, as if it had read it all. */
	if (fd >= 0 && j->sent > 0 && !(j->unix_peer && out_net_peer_gone(fd) < 0))
		trim_acked(j, fd, 0);
	j->sent = 0;
	return j->n;
}

/*
 * Wait until fd's peer acknowledged every byte (0), the connection is
 * lost (its error), the core interrupts the worker (-EINTR), or, with
 * a deadline (`end_ms`, 0: none), that passes (-ETIMEDOUT).
 */
static int
linger(int fd, uint64_t end_ms)
{
	struct timespec ts = { 0, 10 * 1000000L };
	int q, r;

	for (;;) {
		if ((r = out_net_peer_gone(fd)) < 0)
			return r;
		if (ioctl(fd, SIOCOUTQ, &q) < 0 || q <= 0)
			return 0;
		if (output_interrupted())
			return -EINTR;
		if (end_ms != 0 && now_mono_ms() >= end_ms)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

size_t
out_net_journal_close(struct out_net_journal *j, int fd, const char *name)
{
	size_t n;

	linger(fd, now_mono_ms() + JOURNAL_CLOSE_MS);
	if ((n = out_net_journal_lost(j, fd)) > 0)
		log_warnx("[output %s] reopened with %zu events the server had "
		    "not acknowledged: they are sent again", name, n);
	return n;
}

void
out_net_journal_finish(struct out_net_journal *j, const int *fd,
    const struct out_net_finish *cb, void *arg, const char *name,
    struct metric *unsent)
{
	struct timespec ts;
	int nap_ms = 100, r;
	size_t n;

	for (;;) {
		if (*fd >= 0) {
			if ((r = linger(*fd, 0)) == 0 &&
			    out_net_journal_pending(j) == 0)
				break;		/* all acknowledged */
			if (r == -EINTR) {
				out_net_journal_lost(j, *fd);
				break;
			}
			if (r < 0)
				cb->lost(arg, r);
		}
		if (out_net_journal_pending(j) == 0 || output_interrupted())
			break;
		if (cb->reconnect(arg) < 0) {
			/* Back off, up to a second; the interrupt ends the nap. */
			ts.tv_sec = nap_ms / 1000;
			ts.tv_nsec = (nap_ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
			nap_ms = nap_ms * 2 > 1000 ? 1000 : nap_ms * 2;
		}
	}
	if ((n = out_net_journal_pending(j)) > 0) {
		metric_add(unsent, n);
		log_warnx("[output %s] %zu events the server had not "
		    "acknowledged at exit are dropped", name, n);
	}
	out_net_journal_fini(j);
}
