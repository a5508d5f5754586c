/*
 * out_net.c: Go-style dialing for the syslog and GELF outputs.
 *
 * DESIGN: outputs run on their own worker thread and may block, but never
 * forever: connects and sends are bounded by a timeout so that a wedged
 * peer turns into a RETRY the core can back off from. A stream peer that
 * closed the connection is detected before writing (poll for POLLRDHUP),
 * because a write into a half-closed TCP connection succeeds and the
 * event would be lost without an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

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

bool
out_net_peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char c;

	if (poll(&pfd, 1, 0) <= 0)
		return false;
	if (pfd.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL))
		return true;
	/* Our peers never talk back; anything readable is EOF or junk. */
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
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
