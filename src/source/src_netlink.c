/*
 * src_netlink.c: the kernel source. Reads audit records over
 * NETLINK_AUDIT as the registered audit daemon (unicast) or as a reader
 * of the read-only multicast group beside auditd or journald.
 *
 * DESIGN
 * Two sockets. The event socket receives records, in batches of
 * NL_BATCH datagrams per recvmmsg into NL_AUDIT_SLOT-sized slots, so that
 * no record can be cut silently (MSG_TRUNC is counted). The control
 * socket carries AUDIT_GET/AUDIT_SET and never receives a record, so its
 * requests can wait for their answer without losing anything.
 *
 * A partial batch means the socket is drained; rather than go back to
 * epoll and be woken for every few records, read() naps once for
 * read_coalesce_us (1 ms) and reads again. At high rates this cuts the
 * wake-ups (and their context switches, a fifth of the daemon's CPU at
 * 75,000 events/s) several times over; the added latency is a
 * millisecond. The receive buffer is empty when the nap starts, so even
 * the kernel's default buffer holds a millisecond of records.
 *
 * Unicast registers once. pauditd re-registered every 5 s, and each
 * AUDIT_SET makes the kernel emit a CONFIG_CHANGE event; instead, tick()
 * polls AUDIT_GET every status_interval and registers again only when
 * the pid is no longer ours: the kernel dropped us (kernels older than
 * the 2022 rework of kauditd's queues did that when our socket
 * overflowed, so ENOBUFS in unicast mode triggers an early status check;
 * a send refused with ECONNREFUSED still does), and
 * then another daemon may have taken the pid. The kernel refuses
 * (EEXIST) to replace a healthy daemon; we remember the holder and try
 * again only once it is gone, so that a refused reclaim does not become
 * a CONFIG_CHANGE every few seconds either.
 *
 * Rules are loaded after the event socket is ready (and registered), so
 * no record produced by a new rule is lost in between.
 *
 * What pauditd changed in the kernel it undoes when it stops, as auditd
 * does: it unregisters, deletes its self-exclusion (a rule on its pid,
 * which would otherwise exempt whichever process gets that pid next), and
 * turns auditing off again if it was off when pauditd started (records
 * would go to the kernel log with nobody reading them). The rules stay:
 * the next start deletes them first.
 *
 * An ENOBUFS in unicast mode is not in itself a loss: the kernel keeps a
 * record it could not send and tries again, within its backlog. What it
 * cannot keep is lost, and not always in its `lost` count (a kernel
 * booted without audit=1 prints such records to its log and frees them):
 * the serials missed count it either way. In multicast the record is
 * gone at once.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../config/config.h"
#include "../log.h"
#include "../metrics.h"
#include "nl_audit.h"
#include "nl_conf.h"
#include "rules.h"
#include "source.h"

#define NL_BATCH		64	/* datagrams per recvmmsg */
#define NL_MAX_BATCHES		16	/* recvmmsg calls per read() */
#define NL_RECHECK_MS		100	/* status re-check after ENOBUFS */

struct nl_ctx {
	struct nl_conf		 conf;
	enum nl_mode		 mode;
	int			 fd;		/* events */
	int			 ctl;		/* requests */
	uint32_t		 seq, ctl_seq;
	pid_t			 pid;
	bool			 registered;	/* the audit pid is ours */
	uint32_t		 reclaim_seq;	/* last AUDIT_SET on fd */
	pid_t			 refused_by;	/* healthy holder that said EEXIST */
	bool			 have_status;
	int			 enabled_before; /* the kernel's at start; -1: unknown */
	bool			 excluded;	/* our self-exclusion rule is in */
	uint32_t		 last_lost;
	uint64_t		 next_status_ms;
	uint64_t		 last_check_ms;
	bool			 check_now;
	char			*slots;
	struct mmsghdr		 msgs[NL_BATCH];
	struct iovec		 iov[NL_BATCH];
	struct sockaddr_nl	 from[NL_BATCH];
	struct nl_audit_counts	 counts;
	struct metric		*m_dropped, *m_overruns, *m_truncated, *m_invalid;
	struct metric		*m_lost, *m_backlog, *m_registrations;
};

static struct log_ratelimit rl_enobufs, rl_trunc, rl_invalid, rl_reject,
    rl_status, rl_lost;

static const char *
proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	snprintf(buf, len, "?");
	if ((f = fopen(path, "re")) == NULL)
		return buf;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return buf;
}

static bool
alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Ask for the audit pid on the event socket; the outcome is in st. */
static int
nl_register(struct nl_ctx *ctx, struct nl_audit_status *st)
{
	struct audit_status s;
	int r;

	memset(&s, 0, sizeof(s));
	s.mask = AUDIT_STATUS_PID;
	s.pid = (uint32_t)ctx->pid;
	/* No NLM_F_ACK: success adds nothing to the event stream. */
	if ((r = nl_audit_send(ctx->fd, &ctx->seq, AUDIT_SET, 0, &s,
	    sizeof(s))) < 0)
		return r;
	ctx->reclaim_seq = ctx->seq;
	if ((r = nl_audit_get_status(ctx->ctl, &ctx->ctl_seq, st)) < 0)
		return r;
	if (st->pid != (uint32_t)ctx->pid)
		return -EEXIST;
	ctx->registered = true;
	ctx->refused_by = 0;
	metric_inc(ctx->m_registrations);
	return 0;
}

static void
status_metrics(struct nl_ctx *ctx, const struct nl_audit_status *st)
{
	metric_set(ctx->m_lost, st->lost);
	metric_set(ctx->m_backlog, st->backlog);
	if (ctx->have_status && st->lost > ctx->last_lost)
		log_warn_ratelimited(&rl_lost, "netlink: the kernel lost %u "
		    "records (%u since boot or reset); raise the backlog "
		    "limit (-b) or lower the event rate",
		    st->lost - ctx->last_lost, st->lost);
	ctx->last_lost = st->lost;
	ctx->have_status = true;
}

/* Unicast: is the pid still ours? If not, say so and take it back. */
static void
check_pid(struct nl_ctx *ctx, const struct nl_audit_status *st)
{
	struct nl_audit_status after = { 0 };
	pid_t holder = (pid_t)st->pid;
	char comm[32];
	int r;

	if (holder == ctx->pid)
		return;
	if (ctx->registered) {
		ctx->registered = false;
		if (holder == 0)
			log_warnx("netlink: the kernel dropped our registration "
			    "as audit daemon (socket overflow?)");
		else
			log_warnx("netlink: audit pid taken by %d (%s)", holder,
			    proc_comm(holder, comm, sizeof(comm)));
	}
	if (!ctx->conf.reclaim ||
	    (holder != 0 && holder == ctx->refused_by && alive(holder)))
		return;
	r = nl_register(ctx, &after);
	if (r == 0) {
		if (holder != 0)
			log_info("netlink: reclaimed the audit pid from %d",
			    holder);
		else
			log_info("netlink: registered again as the audit "
			    "daemon");
		return;
	}
	if (r != -EEXIST || after.pid == 0) {
		log_warn_ratelimited(&rl_status, "netlink: reclaiming the "
		    "audit pid: %s", strerror(-r));
		return;
	}
	ctx->refused_by = (pid_t)after.pid;
	log_warnx("netlink: could not reclaim the audit pid held by %u (%s); "
	    "trying again when it is gone", after.pid,
	    proc_comm((pid_t)after.pid, comm, sizeof(comm)));
}

static void
status_poll(struct nl_ctx *ctx)
{
	struct nl_audit_status st;
	int r;

	ctx->last_check_ms = now_mono_ms();
	ctx->check_now = false;
	if (ctx->ctl < 0)
		return;
	if ((r = nl_audit_get_status(ctx->ctl, &ctx->ctl_seq, &st)) < 0) {
		if (r == -EPERM || r == -ECONNREFUSED) {
			/* Not allowed (no CAP_AUDIT_CONTROL): stop asking. */
			log_warnx("netlink: cannot read the audit status: %s; "
			    "no kernel lost/backlog figures", strerror(-r));
			close(ctx->ctl);
			ctx->ctl = -1;
			return;
		}
		log_warn_ratelimited(&rl_status, "netlink: audit status: %s",
		    strerror(-r));
		return;
	}
	status_metrics(ctx, &st);
	if (ctx->mode == NL_MODE_UNICAST)
		check_pid(ctx, &st);
}

static void
overflow(struct nl_ctx *ctx)
{
	if (ctx->mode == NL_MODE_UNICAST) {
		metric_inc(ctx->m_overruns);
		log_warn_ratelimited(&rl_enobufs, "netlink: receive buffer "
		    "overflow (ENOBUFS): the kernel tries those records again; "
		    "what it cannot keep is lost and counted in "
		    "pauditd_serials_missed_total; raise socket_buffer.receive");
		ctx->check_now = true;
		return;
	}
	metric_inc(ctx->m_dropped);
	log_warn_ratelimited(&rl_enobufs, "netlink: receive buffer overflow "
	    "(ENOBUFS): records were lost; raise socket_buffer.receive");
}

static void
nap(long long us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

static void
deliver(void *arg, uint32_t type, const char *p, size_t len)
{
	const struct source_sink *sink = arg;

	sink->payload(sink->arg, type, p, len);
}

static size_t
handle(struct nl_ctx *ctx, unsigned i, const struct source_sink *sink)
{
	struct msghdr *h = &ctx->msgs[i].msg_hdr;

	if (h->msg_flags & MSG_TRUNC) {
		metric_inc(ctx->m_truncated);
		log_warn_ratelimited(&rl_trunc, "netlink: record longer than "
		    "%d bytes, dropping", NL_AUDIT_SLOT);
		return 0;
	}
	return nl_audit_parse(&ctx->from[i], h->msg_namelen,
	    ctx->slots + (size_t)i * NL_AUDIT_SLOT, ctx->msgs[i].msg_len,
	    deliver, (void *)(uintptr_t)sink, &ctx->counts);
}

/* Report what nl_audit_parse found besides records. */
static void
report(struct nl_ctx *ctx, uint64_t invalid_before)
{
	struct nl_audit_counts *c = &ctx->counts;
	uint64_t invalid = c->bad_sender + c->malformed;

	if (invalid > invalid_before) {
		metric_add(ctx->m_invalid, invalid - invalid_before);
		log_warn_ratelimited(&rl_invalid, "netlink: %llu invalid "
		    "messages (not from the kernel, or bad length), ignoring",
		    (unsigned long long)(invalid - invalid_before));
	}
	if (c->last_error == 0)
		return;
	if (c->last_error_seq == ctx->reclaim_seq && c->last_error == -EEXIST)
		log_debug("netlink: audit pid registration refused: %s",
		    strerror(-c->last_error));
	else
		log_warn_ratelimited(&rl_reject, "netlink: the kernel rejected "
		    "request %u: %s", c->last_error_seq,
		    strerror(-c->last_error));
	c->last_error = 0;
}

static int
src_netlink_read(struct source *s, const struct source_sink *sink)
{
	struct nl_ctx *ctx = s->ctx;
	uint64_t invalid = ctx->counts.bad_sender + ctx->counts.malformed;
	size_t records = 0;
	int i, n, batches, r = -EAGAIN;

	for (batches = 0; batches < NL_MAX_BATCHES; batches++) {
		for (i = 0; i < NL_BATCH; i++) {
			ctx->msgs[i].msg_hdr.msg_namelen = sizeof(ctx->from[i]);
			ctx->msgs[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(ctx->fd, ctx->msgs, NL_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				overflow(ctx);
				continue;
			}
			if (errno != EAGAIN)
				r = -errno;
			break;
		}
		for (i = 0; i < n; i++)
			records += handle(ctx, (unsigned)i, sink);
		if (n == NL_BATCH)
			continue;
		/* A partial batch: wait once for more rather than wake again. */
		if (batches > 0 || n == 0 || ctx->conf.coalesce_us == 0)
			break;
		nap(ctx->conf.coalesce_us);
	}
	report(ctx, invalid);
	if (records > 0)
		sink->batch_end(sink->arg);
	if (ctx->check_now && now_mono_ms() - ctx->last_check_ms >= NL_RECHECK_MS)
		status_poll(ctx);
	if (r != -EAGAIN) {
		log_warnx("netlink: receive: %s", strerror(-r));
		return r;
	}
	return records > 0 ? (int)(records > INT_MAX ? INT_MAX : records) : -EAGAIN;
}

static void
src_netlink_tick(struct source *s)
{
	struct nl_ctx *ctx = s->ctx;
	uint64_t now = now_mono_ms();

	if (ctx == NULL || ctx->ctl < 0 || now < ctx->next_status_ms)
		return;
	ctx->next_status_ms = now + ctx->conf.status_interval_ms;
	status_poll(ctx);
}

/*
 * At the end: the self-exclusion out, and auditing off again if pauditd
 * (netlink.enable, or a "-e 1" among its rules) turned it on.
 */
static void
undo(struct nl_ctx *ctx)
{
	struct nl_audit_status st;
	char err[1200];
	int r;

	if (ctx->excluded) {
		if (rules_unexclude(ctx->conf.auditctl, ctx->pid, err,
		    sizeof(err)) < 0)
			log_warnx("netlink: removing the self-exclusion "
			    "(-a never,exit -F pid=%d): %s", ctx->pid, err);
		ctx->excluded = false;
	}
	if (ctx->mode != NL_MODE_UNICAST || ctx->enabled_before != 0 ||
	    ctx->ctl < 0 || nl_audit_get_status(ctx->ctl, &ctx->ctl_seq,
	    &st) < 0 || st.enabled != 1)
		return;
	if ((r = nl_audit_set(ctx->ctl, &ctx->ctl_seq, AUDIT_STATUS_ENABLED,
	    0)) < 0)
		log_warnx("netlink: turning kernel auditing off again: %s",
		    strerror(-r));
	else
		log_info("netlink: kernel auditing off again, as pauditd "
		    "found it");
}

static int
src_netlink_fd(struct source *s)
{
	struct nl_ctx *ctx = s->ctx;

	return ctx != NULL ? ctx->fd : -1;
}

static void
src_netlink_close(struct source *s)
{
	struct nl_ctx *ctx = s->ctx;
	struct nl_audit_status st;
	int r;

	if (ctx == NULL)
		return;
	if (ctx->mode == NL_MODE_UNICAST && ctx->ctl >= 0) {
		r = nl_audit_get_status(ctx->ctl, &ctx->ctl_seq, &st);
		if ((r == 0 && st.pid == (uint32_t)ctx->pid) ||
		    (r < 0 && ctx->registered)) {
			r = nl_audit_set(ctx->ctl, &ctx->ctl_seq,
			    AUDIT_STATUS_PID, 0);
			if (r < 0)
				log_warnx("netlink: unregistering: %s",
				    strerror(-r));
			else
				log_info("netlink: unregistered as the audit "
				    "daemon");
		}
	}
	undo(ctx);
	if (ctx->fd >= 0)
		close(ctx->fd);
	if (ctx->ctl >= 0)
		close(ctx->ctl);
	free(ctx->slots);
	nl_conf_free(&ctx->conf);
	free(ctx);
	s->ctx = NULL;
}

static void
metrics_register(struct nl_ctx *ctx)
{
	ctx->m_dropped = metrics_counter("pauditd_netlink_dropped_total",
	    "Netlink receive buffer overflows (ENOBUFS) in multicast mode; records were lost",
	    "messages.netlink_dropped", NULL, NULL);
	ctx->m_overruns = metrics_counter("pauditd_netlink_overruns_total",
	    "Netlink receive buffer overflows (ENOBUFS) in unicast mode; the kernel tries the records again (losses: pauditd_serials_missed_total)",
	    "messages.netlink_overruns", NULL, NULL);
	ctx->m_truncated = metrics_counter("pauditd_netlink_truncated_total",
	    "Records dropped because they did not fit the receive buffer",
	    "messages.netlink_truncated", NULL, NULL);
	ctx->m_invalid = metrics_counter("pauditd_netlink_invalid_total",
	    "Netlink messages ignored: not from the kernel or bad length",
	    NULL, NULL, NULL);
	ctx->m_registrations = metrics_counter(
	    "pauditd_netlink_registrations_total",
	    "Times pauditd registered as the audit daemon (unicast)",
	    NULL, NULL, NULL);
	ctx->m_lost = metrics_gauge("pauditd_kernel_lost",
	    "The kernel's count of lost audit records (AUDIT_GET lost)",
	    "kernel.lost", NULL, NULL);
	ctx->m_backlog = metrics_gauge("pauditd_kernel_backlog",
	    "Records waiting in the kernel's audit queue (AUDIT_GET backlog)",
	    "kernel.backlog", NULL, NULL);
}

/* (Re)open the event socket and size its receive buffer. */
static int
open_events(struct nl_ctx *ctx, bool readlog, const struct config *conf)
{
	int size, r;
	unsigned i;

	if (ctx->fd >= 0)
		close(ctx->fd);
	if ((ctx->fd = nl_audit_open(readlog)) < 0) {
		r = ctx->fd;
		ctx->fd = -1;
		return r;
	}
	if (conf->socket_buffer_receive > 0) {
		r = nl_audit_set_rcvbuf(ctx->fd,
		    (int)conf->socket_buffer_receive, &size);
		if (r < 0)
			log_warnx("netlink: socket_buffer.receive %lld: %s, "
			    "ignoring", conf->socket_buffer_receive,
			    strerror(-r));
		else
			log_info("netlink: socket receive buffer size: %d",
			    size);
	}
	/* Zeroed, so that what a record is read past is defined too. */
	if (ctx->slots == NULL && (ctx->slots = calloc(1,
	    (size_t)NL_BATCH * NL_AUDIT_SLOT + SOURCE_PAD)) == NULL)
		fatal("netlink buffers");
	for (i = 0; i < NL_BATCH; i++) {
		ctx->iov[i].iov_base = ctx->slots + (size_t)i * NL_AUDIT_SLOT;
		ctx->iov[i].iov_len = NL_AUDIT_SLOT;
		ctx->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &ctx->from[i],
			.msg_namelen = sizeof(ctx->from[i]),
			.msg_iov = &ctx->iov[i],
			.msg_iovlen = 1,
		};
	}
	return 0;
}

static int
start_unicast(struct nl_ctx *ctx, const struct config *conf)
{
	struct nl_audit_status st;
	int r, err;

	if ((r = open_events(ctx, false, conf)) < 0)
		return r;
	if ((r = nl_register(ctx, &st)) == 0) {
		log_info("netlink: mode unicast: registered as the audit "
		    "daemon (pid %d)", ctx->pid);
		return 0;
	}
	/* Not registered: nothing but the kernel's answer can be queued. */
	err = nl_audit_wait_reply(ctx->fd, ctx->reclaim_seq, NLMSG_ERROR,
	    NULL, 0);
	if (err < 0 && err != -ETIMEDOUT)
		r = err;
	close(ctx->fd);
	ctx->fd = -1;
	return r;
}

static int
start_multicast(struct nl_ctx *ctx, const struct config *conf,
    pid_t holder)
{
	char comm[32];
	int r;

	ctx->mode = NL_MODE_MULTICAST;
	if ((r = open_events(ctx, true, conf)) < 0) {
		log_warnx("netlink: cannot join the audit multicast group: "
		    "%s%s", strerror(-r), r == -EPERM ?
		    " (CAP_AUDIT_READ is needed)" : "");
		return r;
	}
	if (holder > 0)
		log_info("netlink: mode multicast: reading the read-only group "
		    "beside pid %d (%s), which holds the unicast socket",
		    holder, proc_comm(holder, comm, sizeof(comm)));
	else
		log_info("netlink: mode multicast: reading the read-only group");
	return 0;
}

/* Pick the mode (auto: unicast unless a live daemon is registered). */
static int
start(struct nl_ctx *ctx, const struct config *conf,
    const struct nl_audit_status *st)
{
	pid_t holder = st != NULL ? (pid_t)st->pid : 0;
	char comm[32];
	int r;

	if (ctx->mode == NL_MODE_MULTICAST)
		return start_multicast(ctx, conf, holder);
	if (ctx->mode == NL_MODE_AUTO && alive(holder) && holder != ctx->pid)
		return start_multicast(ctx, conf, holder);
	if ((r = start_unicast(ctx, conf)) == 0) {
		ctx->mode = NL_MODE_UNICAST;
		return 0;
	}
	if (ctx->mode == NL_MODE_AUTO) {
		log_info("netlink: auto: cannot register as the audit daemon "
		    "(%s), trying multicast", strerror(-r));
		return start_multicast(ctx, conf, holder);
	}
	if (r == -EEXIST && holder > 0)
		log_warnx("netlink: cannot register as the audit daemon: pid "
		    "%d (%s) is registered; use netlink.mode multicast or auto",
		    holder, proc_comm(holder, comm, sizeof(comm)));
	else
		log_warnx("netlink: cannot register as the audit daemon: %s",
		    strerror(-r));
	return r;
}

/* Unicast with netlink.enable: make sure the kernel sends records. */
static void
enable(struct nl_ctx *ctx, const struct nl_audit_status *st)
{
	int r;

	if (ctx->mode != NL_MODE_UNICAST || !ctx->conf.enable ||
	    st->enabled != 0)
		return;
	r = nl_audit_set(ctx->ctl, &ctx->ctl_seq, AUDIT_STATUS_ENABLED, 1);
	if (r < 0)
		log_warnx("netlink: enabling kernel auditing: %s", strerror(-r));
	else
		log_info("netlink: kernel auditing enabled");
}

/*
 * A rule list that failed has had the kernel's rules put back (nl_conf);
 * the settings its lines changed before the failure (-b, -r, -f,
 * --backlog_wait_time) go back to what they were, `was`, too: a probe
 * found a failed start-up leaving backlog 8192 and rate 100 behind.
 */
static void
settings_back(struct nl_ctx *ctx, const struct nl_audit_status *was)
{
	struct nl_audit_status now;
	size_t i;
	int r;

	if (nl_audit_get_status(ctx->ctl, &ctx->ctl_seq, &now) < 0)
		return;
	const struct {
		uint32_t	 mask, was, now;
		const char	*name;
	} f[] = {
		{ AUDIT_STATUS_RATE_LIMIT, was->rate_limit, now.rate_limit,
		    "rate_limit" },
		{ AUDIT_STATUS_BACKLOG_LIMIT, was->backlog_limit,
		    now.backlog_limit, "backlog_limit" },
		{ AUDIT_STATUS_BACKLOG_WAIT_TIME, was->backlog_wait_time,
		    now.backlog_wait_time, "backlog_wait_time" },
		{ AUDIT_STATUS_FAILURE, was->failure, now.failure, "failure" },
	};

	for (i = 0; i < nitems(f); i++) {
		if (f[i].now == f[i].was)
			continue;
		r = nl_audit_set(ctx->ctl, &ctx->ctl_seq, f[i].mask, f[i].was);
		if (r < 0)
			log_warnx("netlink: rules: %s back to %u: %s", f[i].name,
			    f[i].was, strerror(-r));
		else
			log_warnx("netlink: rules: %s back to %u, as found",
			    f[i].name, f[i].was);
	}
}

static int
src_netlink_open(struct source *s, const struct config *conf)
{
	struct nl_audit_status st;
	const char **rules = NULL;
	struct nl_ctx *ctx;
	struct cfg_ctx c;
	size_t nrules = 0;
	bool have;
	int r;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		fatal("netlink");
	ctx->fd = ctx->ctl = -1;
	ctx->enabled_before = -1;
	ctx->pid = getpid();
	s->ctx = ctx;
	cfg_ctx_init(&c, conf->file);
	c.quiet = true;
	if (nl_conf_bind(conf, &c, &ctx->conf) < 0 ||
	    nl_conf_rules(conf, &c, &rules, &nrules) < 0) {
		log_warnx("netlink: %s", c.last);
		r = -EINVAL;
		goto fail;
	}
	ctx->mode = ctx->conf.mode;
	metrics_register(ctx);
	if ((ctx->ctl = nl_audit_open(false)) < 0) {
		r = ctx->ctl;
		log_warnx("netlink: %s%s", strerror(-r), r == -EPROTONOSUPPORT ?
		    " (the kernel has no audit support)" : "");
		goto fail;
	}
	if (!(have = nl_audit_get_status(ctx->ctl, &ctx->ctl_seq, &st) == 0))
		log_warnx("netlink: cannot read the kernel's audit status");
	else
		ctx->enabled_before = (int)st.enabled;
	if ((r = start(ctx, conf, have ? &st : NULL)) < 0)
		goto fail;
	if (have && (have = nl_audit_get_status(ctx->ctl, &ctx->ctl_seq,
	    &st) == 0))
		enable(ctx, &st);
	r = nl_conf_load_rules(&ctx->conf, conf, rules, nrules,
	    have && st.enabled == 2, ctx->conf.exclude_self ? ctx->pid : 0,
	    &ctx->excluded);
	if (r < 0) {
		if (have)
			settings_back(ctx, &st);
		goto fail;
	}
	if (have && nl_audit_get_status(ctx->ctl, &ctx->ctl_seq, &st) == 0) {
		status_metrics(ctx, &st);
		if (st.enabled == 0)
			log_warnx("netlink: kernel auditing is disabled "
			    "(enabled 0): no records will arrive; add \"-e 1\" "
			    "to rules%s", ctx->mode == NL_MODE_UNICAST ?
			    " or set netlink.enable" : "");
	}
	ctx->next_status_ms = now_mono_ms() + ctx->conf.status_interval_ms;
	free(rules);
	return 0;
fail:
	free(rules);
	src_netlink_close(s);
	return r;
}

const struct source_ops src_netlink_ops = {
	.name = "netlink",
	.check = nl_conf_check,
	.open = src_netlink_open,
	.fd = src_netlink_fd,
	.read = src_netlink_read,
	.tick = src_netlink_tick,
	.close = src_netlink_close,
};
