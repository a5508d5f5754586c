/*
 * test_out_net.c: the journal of a stream connection (out_net.h) over
 * real TCP connections on the loopback: what a lost connection had not
 * acknowledged is sent again, whole and in order, on the next one; what
 * was acknowledged is let go; the bound holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "../../src/buf.h"
#include "../../src/output/out_net.h"

#define NREC	200

/* A listener on 127.0.0.1 whose connections get a small receive buffer. */
static int
listener(int rcvbuf, struct sockaddr_in *ret)
{
	socklen_t sl = sizeof(*ret);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(ret, 0, sizeof(*ret));
	ret->sin_family = AF_INET;
	ret->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF,
	    &rcvbuf, sizeof(rcvbuf)) < 0) ||
	    bind(fd, (struct sockaddr *)ret, sizeof(*ret)) < 0 ||
	    listen(fd, 4) < 0 || getsockname(fd, (struct sockaddr *)ret, &sl) < 0)
		return -1;
	return fd;
}

/* A connected pair: *ret_c (ours, non-blocking) and the accepted end. */
static int
connect_pair(int lfd, const struct sockaddr_in *sa, int *ret_c)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (c < 0 || connect(c, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -1;
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	*ret_c = c;
	return accept(lfd, NULL, NULL);
}

/* Everything readable on fd (the peer closed its end). */
static void
drain(int fd, struct buf *b)
{
	ssize_t n;

	while ((n = read(fd, buf_reserve(b, 65536), 65536)) > 0)
		b->len += (size_t)n;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The records "rec NNN ...\n" of what two connections received: with the
 * first's torn last line (acknowledged in part, sent again whole) left
 * out, every record from 1 to NREC exactly once, in order.
 */
static int
records_whole(const struct buf *first, const struct buf *second)
{
	char line[160];
	int next = 1, got;
	const struct buf *b[2] = { first, second };
	size_t i, k, s;

	for (k = 0; k < 2; k++) {
		for (i = s = 0; i < b[k]->len; i++) {
			if (b[k]->p[i] != '\n')
				continue;
			if (i - s >= sizeof(line))
				return -1;
			memcpy(line, b[k]->p + s, i - s);
			line[i - s] = '\0';
			s = i + 1;
			if (sscanf(line, "rec %d", &got) != 1)
				return -2;
			/* The torn line's record comes again whole: skip back. */
			if (k == 1 && got < next)
				next = got;
			if (got != next)
				return -100 - got;
			next++;
		}
	}
	return next == NREC + 1 ? 0 : -1000 - next;
}

/* Records "rec NNN ...\n" from..to sent on c and kept in j; 0 or -errno. */
static int
send_records(struct out_net_journal *j, int c, int from, int to)
{
	char rec[128];
	int i, n, r;

	for (i = from; i <= to; i++) {
		n = snprintf(rec, sizeof(rec), "rec %03d %s\n", i,
		    "..........................................................");
		if ((r = out_net_send(c, rec, (size_t)n)) < 0)
			return r;
		out_net_journal_add(j, c, rec, (size_t)n);
	}
	return 0;
}

/*
 * A connection to a peer that reads nothing (a small receive buffer),
 * records 1 to NREC sent and kept in a fresh j: the peer's end, or -1.
 * *ret_lfd is the listener, *ret_c our end.
 */
static int
stalled_peer(struct out_net_journal *j, struct sockaddr_in *sa, int *ret_lfd,
    int *ret_c)
{
	int p;

	out_net_journal_init(j);
	if ((*ret_lfd = listener(2048, sa)) < 0 ||
	    (p = connect_pair(*ret_lfd, sa, ret_c)) < 0)
		return -1;
	return send_records(j, *ret_c, 1, NREC) == 0 ? p : -1;
}

TEST(unacknowledged_records_sent_again_in_order)
{
	struct out_net_journal j;
	struct sockaddr_in sa;
	struct buf got1, got2;
	int lfd, c, p;
	size_t waiting, resent;

	buf_init(&got1);
	buf_init(&got2);
	/*
	 * The peer reads nothing: its small receive buffer takes a part,
	 * the rest stays in our send queue, unacknowledged.
	 */
	ASSERT((p = stalled_peer(&j, &sa, &lfd, &c)) >= 0);
	sleep_ms(50);
	ASSERT_EQ(out_net_journal_pending(&j), 0);
	waiting = out_net_journal_lost(&j, c);
	/* Some were acknowledged and let go, some wait. */
	ASSERT(waiting > 0);
	ASSERT(waiting < NREC);
	ASSERT_EQ(out_net_journal_pending(&j), waiting);
	close(c);
	drain(p, &got1);
	close(p);
	/* The next connection gets the waiting ones first. */
	p = connect_pair(lfd, &sa, &c);
	ASSERT(p >= 0);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
	ASSERT_EQ(out_net_journal_resend(&j, c, &resent), 0);
	ASSERT_EQ(resent, waiting);
	ASSERT_EQ(out_net_journal_pending(&j), 0);
	close(c);
	drain(p, &got2);
	close(p);
	ASSERT_EQ(records_whole(&got1, &got2), 0);
	out_net_journal_fini(&j);
	buf_fini(&got1);
	buf_fini(&got2);
	close(lfd);
}

/*
 * A peer that reads everything acknowledges it: the journal lets go of
 * what it needs not keep, stays within its bound, and a lost connection
 * then has nothing to send again.
 */
TEST(acknowledged_records_let_go_within_the_bound)
{
	struct out_net_journal j;
	struct sockaddr_in sa;
	struct buf sink;
	static char rec[64 * 1024];
	int lfd, c, p, i;
	ssize_t n;

	buf_init(&sink);
	out_net_journal_init(&j);
	memset(rec, 'x', sizeof(rec));
	rec[sizeof(rec) - 1] = '\n';
	lfd = listener(0, &sa);
	ASSERT(lfd >= 0);
	p = connect_pair(lfd, &sa, &c);
	ASSERT(p >= 0);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
	fcntl(p, F_SETFL, fcntl(p, F_GETFL) | O_NONBLOCK);
	/* 16 MiB through a 4 MiB journal, the peer reading as it goes. */
	for (i = 0; i < 256; i++) {
		ASSERT_EQ(out_net_send(c, rec, sizeof(rec)), 0);
		out_net_journal_add(&j, c, rec, sizeof(rec));
		while ((n = read(p, buf_reserve(&sink, 1 << 20), 1 << 20)) > 0)
			;
		ASSERT(j.bytes <= OUT_NET_JOURNAL_MAX);
	}
	sleep_ms(20);
	while (read(p, buf_reserve(&sink, 1 << 20), 1 << 20) > 0)
		;
	sleep_ms(20);
	ASSERT_EQ(out_net_journal_lost(&j, c), 0);
	ASSERT_EQ(j.unprotected, 0);
	close(c);
	close(p);
	close(lfd);
	out_net_journal_fini(&j);
	buf_fini(&sink);
}

/* A record larger than the bound is not kept, and counted so. */
TEST(oversize_record_unprotected)
{
	struct out_net_journal j;
	char *big = calloc(1, OUT_NET_JOURNAL_MAX + 1);

	ASSERT(big != NULL);
	out_net_journal_init(&j);
	out_net_journal_add(&j, -1, big, OUT_NET_JOURNAL_MAX + 1);
	ASSERT_EQ(j.n, 0);
	ASSERT_EQ(j.unprotected, 1);
	out_net_journal_fini(&j);
	free(big);
}

/*
 * The byte bound, not a count of records, decides what is kept: a ring
 * of 8,192 records let a probe's small events go unacknowledged and
 * uncounted long before 4 MiB.
 */
TEST(small_records_kept_to_the_byte_bound)
{
	struct out_net_journal j;
	char rec[64];
	int i;

	memset(rec, 'x', sizeof(rec));
	out_net_journal_init(&j);
	/* No descriptor: nothing can be known acknowledged. */
	for (i = 0; i < 20000; i++)
		out_net_journal_add(&j, -1, rec, sizeof(rec));
	ASSERT_EQ(j.n, 20000);
	ASSERT_EQ(j.unprotected, 0);
	ASSERT_EQ(out_net_journal_lost(&j, -1), 20000);
	out_net_journal_fini(&j);
}

/*
 * A reopen (SIGHUP) during an outage: what the peer has not acknowledged
 * within the wait goes out again on the next connection (a probe lost
 * 954 events when it was forgotten); a peer that read everything leaves
 * nothing to send again.
 */
TEST(reopen_keeps_what_was_not_acknowledged)
{
	struct out_net_journal j;
	struct sockaddr_in sa;
	struct buf sink;
	int lfd, c, p;

	buf_init(&sink);
	ASSERT((p = stalled_peer(&j, &sa, &lfd, &c)) >= 0);
	/* The peer reads nothing: after the wait, what it did not take waits. */
	ASSERT(out_net_journal_close(&j, c, "t") > 0);
	ASSERT(out_net_journal_pending(&j) > 0);
	close(c);
	close(p);
	/* A peer that reads it all. */
	out_net_journal_fini(&j);
	out_net_journal_init(&j);
	p = connect_pair(lfd, &sa, &c);
	ASSERT(p >= 0);
	fcntl(p, F_SETFL, fcntl(p, F_GETFL) | O_NONBLOCK);
	ASSERT_EQ(send_records(&j, c, 1, 20), 0);
	sleep_ms(20);
	drain(p, &sink);
	sleep_ms(20);
	ASSERT_EQ(out_net_journal_close(&j, c, "t"), 0);
	close(c);
	close(p);
	close(lfd);
	out_net_journal_fini(&j);
	buf_fini(&sink);
}

/*
 * A unix stream peer that goes takes what it had not read with it, and
 * the send queue then reads 0, as if all were read: a probe lost 292
 * events so. Nothing is let go at the loss; what the peer read while it
 * lived was let go as it went.
 */
TEST(unix_peer_gone_keeps_what_it_did_not_read)
{
	struct out_net_journal j;
	char rec[64], got[4096];
	int sv[2], i;
	ssize_t k;
	size_t read_recs;

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	out_net_journal_init(&j);
	memset(rec, 'u', sizeof(rec));
	rec[sizeof(rec) - 1] = '\n';
	/* 128 records; the peer reads the first 64 (4096 bytes). */
	for (i = 0; i < 128; i++) {
		ASSERT_EQ(out_net_send(sv[0], rec, sizeof(rec)), 0);
		out_net_journal_add(&j, sv[0], rec, sizeof(rec));
		if (i == 63) {
			k = read(sv[1], got, sizeof(got));
			ASSERT_EQ(k, 4096);
		}
	}
	read_recs = 128 - j.n;
	close(sv[1]);
	/* Trimmed while alive, by at most what it read. */
	ASSERT(read_recs <= 64);
	ASSERT_EQ(out_net_journal_lost(&j, sv[0]), j.n);
	ASSERT(j.n >= 64);
	close(sv[0]);
	out_net_journal_fini(&j);
}

TEST_MAIN(T(unacknowledged_records_sent_again_in_order),
    T(small_records_kept_to_the_byte_bound),
    T(reopen_keeps_what_was_not_acknowledged),
    T(unix_peer_gone_keeps_what_it_did_not_read),
    T(acknowledged_records_let_go_within_the_bound),
    T(oversize_record_unprotected))
