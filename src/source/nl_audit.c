/*
 * nl_audit.c: NETLINK_AUDIT sockets, requests and datagram validation.
 *
 * DESIGN
 * Every kernel record is its own netlink message in its own datagram:
 * nlmsg_type is the record type and the payload is the text
 * "audit(SEC.MSEC:SERIAL): fields". Two things make a naive reader wrong:
 * on the unicast path the kernel writes nlmsg_len as the payload length
 * (without the 16-byte header), which auditd has always relied on, while
 * the multicast copy carries the true length; and requests share the
 * socket with records, so acks (NLMSG_ERROR), AUDIT_GET replies and the
 * AUDIT_REPLACE probes the kernel sends to the registered daemon must be
 * told apart from records. Validation follows journald's order: sender
 * port id 0 (the kernel), then lengths, then the type.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "../pauditd.h"
#include "nl_audit.h"

int
nl_audit_open(bool readlog)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	if (readlog)
		sa.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int
nl_audit_set_rcvbuf(int fd, int bytes, int *ret_effective)
{
	socklen_t len = sizeof(*ret_effective);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
	    sizeof(bytes)) < 0) {
		if (errno != EPERM)
			return -errno;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes,
		    sizeof(bytes)) < 0)
			return -errno;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, ret_effective, &len) < 0)
		return -errno;
	return 0;
}

int
nl_audit_send(int fd, uint32_t *seq, uint16_t type, uint16_t flags,
    const void *data, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct nlmsghdr h = {
		.nlmsg_len = NLMSG_LENGTH(len),
		.nlmsg_type = type,
		.nlmsg_flags = NLM_F_REQUEST | flags,
		.nlmsg_seq = ++*seq,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = NLMSG_HDRLEN },
		{ .iov_base = (void *)(uintptr_t)data, .iov_len = len },
	};
	struct msghdr m = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = iov, .msg_iovlen = 2,
	};

	while (sendmsg(fd, &m, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Does message h (rem bytes available) answer `seq`? 1 yes, 0 no. */
static int
match_reply(const struct nlmsghdr *h, uint32_t seq, uint16_t want,
    void *data, size_t len, int *ret)
{
	const struct nlmsgerr *e;
	size_t plen;

	if (h->nlmsg_seq != seq)
		return 0;
	if (h->nlmsg_type == NLMSG_ERROR) {
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return 0;
		e = NLMSG_DATA(h);
		if (e->error == 0 && want != NLMSG_ERROR)
			return 0;
		*ret = e->error;
		return 1;
	}
	if (h->nlmsg_type != want)
		return 0;
	plen = h->nlmsg_len - NLMSG_HDRLEN;
	memset(data, 0, len);
	memcpy(data, NLMSG_DATA(h), plen < len ? plen : len);
	*ret = 0;
	return 1;
}

int
nl_audit_wait_reply(int fd, uint32_t seq, uint16_t want, void *data,
    size_t len)
{
	static _Alignas(struct nlmsghdr) char buf[NL_AUDIT_SLOT];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t deadline = now_mono_ms() + NL_AUDIT_TIMEOUT_MS, now;
	struct sockaddr_nl from;
	struct nlmsghdr *h;
	socklen_t fl;
	ssize_t n;
	int r, rem;

	for (;;) {
		if ((now = now_mono_ms()) >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			return -errno;
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
				continue;
			return -errno;
		}
		if (fl < sizeof(from) || from.nl_pid != 0)
			continue;
		rem = (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, rem);
		    h = NLMSG_NEXT(h, rem))
			if (match_reply(h, seq, want, data, len, &r))
				return r;
	}
}

int
nl_audit_get_status(int fd, uint32_t *seq, struct nl_audit_status *ret)
{
	struct audit_status s;
	int r;

	if ((r = nl_audit_send(fd, seq, AUDIT_GET, 0, NULL, 0)) < 0)
		return r;
	if ((r = nl_audit_wait_reply(fd, *seq, AUDIT_GET, &s, sizeof(s))) < 0)
		return r;
	ret->enabled = s.enabled;
	ret->failure = s.failure;
	ret->pid = s.pid;
	ret->rate_limit = s.rate_limit;
	ret->backlog_limit = s.backlog_limit;
	ret->lost = s.lost;
	ret->backlog = s.backlog;
	ret->backlog_wait_time = s.backlog_wait_time;
	return 0;
}

int
nl_audit_set(int fd, uint32_t *seq, uint32_t mask, uint32_t value)
{
	struct audit_status s;
	int r;

	memset(&s, 0, sizeof(s));
	s.mask = mask;
	if (mask == AUDIT_STATUS_PID)
		s.pid = value;
	else if (mask == AUDIT_STATUS_ENABLED)
		s.enabled = value;
	else if (mask == AUDIT_STATUS_FAILURE && value < 2)
		s.failure = value;	/* never 2 (panic) from here */
	else if (mask == AUDIT_STATUS_RATE_LIMIT)
		s.rate_limit = value;
	else if (mask == AUDIT_STATUS_BACKLOG_LIMIT)
		s.backlog_limit = value;
	else if (mask == AUDIT_STATUS_BACKLOG_WAIT_TIME)
		s.backlog_wait_time = value;
	else
		return -EINVAL;
	if ((r = nl_audit_send(fd, seq, AUDIT_SET, NLM_F_ACK, &s,
	    sizeof(s))) < 0)
		return r;
	return nl_audit_wait_reply(fd, *seq, NLMSG_ERROR, NULL, 0);
}

/*
 * Records: everything from 1100 up but the kernel's AUDIT_REPLACE probe,
 * and two types among the commands below 1100 that are records too:
 * AUDIT_USER (1005, user space's message of old, as `auditctl -m` still
 * sends it) and AUDIT_LOGIN (1006, a loginuid set, as pam_loginuid does
 * at every login). auditd logs both; taken for commands, they were lost
 * without a count (or counted as the kernel's missed serials).
 */
bool
nl_audit_is_record(uint32_t type)
{
	return (type >= AUDIT_FIRST_USER_MSG && type != AUDIT_REPLACE) ||
	    type == AUDIT_USER || type == AUDIT_LOGIN;
}

static void
control(const struct nlmsghdr *h, size_t len, struct nl_audit_counts *c)
{
	const struct nlmsgerr *e;

	c->control++;
	if (h->nlmsg_type != NLMSG_ERROR || len < NLMSG_LENGTH(sizeof(*e)))
		return;
	e = NLMSG_DATA(h);
	if (e->error != 0) {
		c->last_error = e->error;
		c->last_error_seq = h->nlmsg_seq;
	}
}

size_t
nl_audit_parse(const struct sockaddr_nl *from, socklen_t fromlen,
    const void *buf, size_t n, nl_audit_record_fn *fn, void *arg,
    struct nl_audit_counts *c)
{
	const char *p = buf;
	const struct nlmsghdr *h;
	size_t len, records = 0;

	if (fromlen < sizeof(*from) || from->nl_family != AF_NETLINK ||
	    from->nl_pid != 0) {
		c->bad_sender++;
		return 0;
	}
	while (n >= NLMSG_HDRLEN) {
		h = (const struct nlmsghdr *)(const void *)p;
		len = h->nlmsg_len;
		/* The unicast quirk: the length leaves out the header. */
		if ((h->nlmsg_type >= AUDIT_FIRST_USER_MSG ||
		    nl_audit_is_record(h->nlmsg_type)) &&
		    len == n - NLMSG_HDRLEN)
			len = n;
		if (len < NLMSG_HDRLEN || len > n) {
			c->malformed++;
			break;
		}
		if (nl_audit_is_record(h->nlmsg_type)) {
			fn(arg, h->nlmsg_type, p + NLMSG_HDRLEN,
			    len - NLMSG_HDRLEN);
			records++;
		} else
			control(h, len, c);
		if (NLMSG_ALIGN(len) >= n)
			break;
		p += NLMSG_ALIGN(len);
		n -= NLMSG_ALIGN(len);
	}
	c->records += records;
	return records;
}
