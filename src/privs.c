/*
 * privs.c: the capability drop at the end of start-up (see privs.h).
 *
 * DESIGN
 * Capabilities belong to threads, not to the process: capset(2) and
 * PR_CAPBSET_DROP change the calling thread only, and by the time the
 * source is open the output workers, the Prometheus listener and libcurl
 * already run in threads that inherited every capability of root. So
 * the main thread computes and applies the target with libcap-ng, reads
 * back what it ended with, and sends PRIVS_SIGNAL to every other thread;
 * the handler copies that state with raw system calls (libcap-ng is not
 * async-signal-safe), the bounding set first while CAP_SETPCAP is still
 * held. Then every task of /proc/self/task is read back and compared
 * with the main thread; a thread that a not yet dropped one started in
 * the meantime is caught by the next round. A thread that stays
 * privileged fails start-up: a hidden root thread would make the drop a
 * lie. The handler stays installed, so a late signal is harmless.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>

#include "config/cfgmap.h"
#include "config/config.h"
#include "log.h"
#include "privs.h"

#define PRIVS_SIGNAL	PA_SIG_PRIVS
#define PRIVS_ROUNDS	5
#define PRIVS_WAIT_MS	1000

/* A thread's capability state, as /proc/self/task/<tid>/status shows it. */
struct privs_state {
	unsigned long long	 prm, eff, inh, bnd, amb;
	int			 nnp;
};

/* What the handler copies into each thread; written before any signal. */
static struct {
	struct __user_cap_data_struct	 data[_LINUX_CAPABILITY_U32S_3];
	unsigned long long		 bnd;
	atomic_uint			 done, failed;
} target;

static const struct {
	unsigned	 keep;
	unsigned	 cap;
	const char	*name;
} privs_table[] = {
	{ PRIVS_KEEP_AUDIT, CAP_AUDIT_CONTROL, "CAP_AUDIT_CONTROL" },
	{ PRIVS_KEEP_AUDIT, CAP_AUDIT_READ, "CAP_AUDIT_READ" },
	{ PRIVS_KEEP_CHOWN, CAP_CHOWN, "CAP_CHOWN" },
};

static bool
scalar_set(const struct ynode *n)
{
	return n != NULL && n->kind == YNODE_SCALAR && n->str[0] != '\0';
}

unsigned
privs_needed(const struct config *conf, bool kernel)
{
	const struct ynode *root = conf != NULL && conf->doc != NULL ?
	    conf->doc->root : NULL;
	const struct ynode *en = ynode_path(root, "output.file.enabled");
	unsigned keep = kernel ? PRIVS_KEEP_AUDIT : 0;
	bool on = false;

	if (scalar_set(en) && cfg_parse_bool(en->str, &on) == 0 && on &&
	    (scalar_set(ynode_path(root, "output.file.user")) ||
	    scalar_set(ynode_path(root, "output.file.group"))))
		keep |= PRIVS_KEEP_CHOWN;
	return keep;
}

/* Runs in each thread but the main one: copy the main thread's sets. */
static void
privs_handler(int sig)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	int saved = errno, cap;
	bool bad = false;

	(void)sig;
	/*
	 * Drop first and read only when that fails: dropping a capability
	 * already out of the set succeeds with CAP_SETPCAP, so the usual
	 * case is one prctl() a capability rather than two. Without
	 * CAP_SETPCAP every drop fails, and a capability still in the set
	 * is the failure; past the kernel's last capability the read fails
	 * too (EINVAL), which ends the loop.
	 */
	for (cap = 0; cap < 64; cap++) {
		int in;

		if ((target.bnd & (1ULL << cap)) ||
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL)
			break;
		if ((in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) < 0)
			break;
		if (in == 1)
			bad = true;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		bad = true;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		bad = true;
	if (syscall(SYS_capset, &hdr, target.data) < 0)
		bad = true;
	if (bad)
		atomic_fetch_add(&target.failed, 1);
	atomic_fetch_add(&target.done, 1);
	errno = saved;
}

/*
 * Read a task's sets from procfs; 0, or -errno (-ENOENT: it is gone).
 * The status file has ~55 lines and is read for every thread of every
 * round: a prefix test per line, then one conversion, takes a tenth of
 * the instructions of six sscanf() calls a line, which were a fifth of
 * all of start-up's.
 */
static int
read_state(const char *task, struct privs_state *ret)
{
	char path[64], line[128], *end;
	struct privs_state st = { .nnp = -1 };
	unsigned long long *cap;
	unsigned seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%s/status", task);
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "NoNewPrivs:", 11) == 0) {
			st.nnp = (int)strtol(line + 11, &end, 10);
			if (end == line + 11)
				st.nnp = -1;
			else
				seen++;
			continue;
		}
		if (strncmp(line, "Cap", 3) != 0 || line[6] != ':')
			continue;
		if (strncmp(line + 3, "Inh", 3) == 0)
			cap = &st.inh;
		else if (strncmp(line + 3, "Prm", 3) == 0)
			cap = &st.prm;
		else if (strncmp(line + 3, "Eff", 3) == 0)
			cap = &st.eff;
		else if (strncmp(line + 3, "Bnd", 3) == 0)
			cap = &st.bnd;
		else if (strncmp(line + 3, "Amb", 3) == 0)
			cap = &st.amb;
		else
			continue;
		*cap = strtoull(line + 7, &end, 16);
		seen += end != line + 7;
	}
	fclose(f);
	if (seen < 5)
		return -EIO;
	*ret = st;
	return 0;
}

static bool
same_state(const struct privs_state *a, const struct privs_state *b)
{
	return a->prm == b->prm && a->eff == b->eff && a->inh == b->inh &&
	    a->bnd == b->bnd && a->amb == b->amb && a->nnp == b->nnp;
}

/* Apply the target to this thread with libcap-ng. 0 or -errno. */
static int
drop_self(unsigned keep, bool *ret_bounded)
{
	bool setpcap, has[nitems(privs_table)], bnd[nitems(privs_table)];
	size_t i;
	int r;

	if (capng_get_caps_process() < 0)
		return -EIO;
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	for (i = 0; i < nitems(privs_table); i++) {
		has[i] = capng_have_capability(CAPNG_PERMITTED, privs_table[i].cap);
		bnd[i] = capng_have_capability(CAPNG_BOUNDING_SET,
		    privs_table[i].cap);
	}
	capng_clear(CAPNG_SELECT_ALL);
	for (i = 0; i < nitems(privs_table); i++) {
		if (!(keep & privs_table[i].keep))
			continue;
		if (has[i])
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			    privs_table[i].cap);
		if (bnd[i])
			capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET,
			    privs_table[i].cap);
	}
	/* libcap-ng shrinks the bounding set before it calls capset. */
	r = capng_apply(setpcap ? CAPNG_SELECT_ALL :
	    CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT);
	if (r < 0)
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	*ret_bounded = setpcap;
	return 0;
}

/*
 * Record the main thread's sets as the target of the other threads. The
 * bounding set is the one its status file showed (`self`), which saves
 * a PR_CAPBSET_READ for each capability.
 */
static int
snapshot_target(const struct privs_state *self)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};

	memset(target.data, 0, sizeof(target.data));
	if (syscall(SYS_capget, &hdr, target.data) < 0)
		return -errno;
	target.bnd = self->bnd;
	return 0;
}

static void
wait_done(unsigned want)
{
	struct timespec ts = { 0, 1000000L };
	int ms;

	for (ms = 0; ms < PRIVS_WAIT_MS && atomic_load(&target.done) < want; ms++)
		nanosleep(&ts, NULL);
}

/*
 * One round: signal every task whose sets differ from `self`. Returns how
 * many differed (0: every thread is down), counting them in *sent.
 */
static unsigned
round_trip(const struct privs_state *self, unsigned *sent, bool last,
    unsigned *threads)
{
	pid_t pid = getpid(), me = gettid(), tid;
	struct privs_state st;
	struct dirent *de;
	unsigned differ = 0;
	DIR *d;

	if ((d = opendir("/proc/self/task")) == NULL)
		return 1;
	*threads = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		++*threads;
		tid = (pid_t)atoi(de->d_name);
		if (tid == me || read_state(de->d_name, &st) < 0 ||
		    same_state(&st, self))
			continue;
		differ++;
		if (last)
			log_warnx("privileges: thread %d kept capabilities "
			    "(effective %llx, bounding %llx)", tid, st.eff,
			    st.bnd);
		else if (tgkill(pid, tid, PRIVS_SIGNAL) == 0)
			++*sent;
	}
	closedir(d);
	return differ;
}

/* Bring every other thread to the main thread's sets. 0 or -EPERM. */
static int
drop_others(unsigned *ret_threads)
{
	struct sigaction sa = { .sa_handler = privs_handler,
	    .sa_flags = SA_RESTART };
	struct privs_state self;
	unsigned sent = 0, round;
	char me[16];
	int r;

	snprintf(me, sizeof(me), "%d", gettid());
	if ((r = read_state(me, &self)) < 0 || (r = snapshot_target(&self)) < 0)
		return r;
	sigemptyset(&sa.sa_mask);
	if (sigaction(PRIVS_SIGNAL, &sa, NULL) < 0)
		return -errno;
	for (round = 0; round <= PRIVS_ROUNDS; round++) {
		if (round_trip(&self, &sent, round == PRIVS_ROUNDS,
		    ret_threads) == 0)
			break;
		wait_done(sent);
	}
	if (round > PRIVS_ROUNDS || atomic_load(&target.failed) > 0)
		return -EPERM;
	return 0;
}

static void
log_kept(unsigned keep, bool bounded, unsigned threads)
{
	char names[128] = "";
	size_t i;

	for (i = 0; i < nitems(privs_table); i++) {
		if (!(keep & privs_table[i].keep) ||
		    !capng_have_capability(CAPNG_EFFECTIVE, privs_table[i].cap))
			continue;
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		    "%s%s", names[0] ? ", " : "", privs_table[i].name);
	}
	if (names[0] == '\0')
		log_info("privileges: dropped every capability (%u thread%s)",
		    threads, threads == 1 ? "" : "s");
	else
		log_info("privileges: keeping %s only (%u thread%s)", names,
		    threads, threads == 1 ? "" : "s");
	if (!bounded && getuid() == 0)
		log_warnx("privileges: no CAP_SETPCAP: the capability bounding "
		    "set is left as it is");
}

int
privs_drop(unsigned keep)
{
	unsigned threads = 1;
	bool bounded = false;
	int r;

	if ((r = drop_self(keep, &bounded)) < 0) {
		log_warnx("privileges: cannot drop capabilities: %s",
		    strerror(-r));
		return r;
	}
	if ((r = drop_others(&threads)) < 0) {
		log_warnx("privileges: not every thread could drop its "
		    "capabilities: %s", strerror(-r));
		return r;
	}
	log_kept(keep, bounded, threads);
	return 0;
}

int
privs_setup_done(const struct config *conf, bool kernel)
{
	return privs_drop(privs_needed(conf, kernel));
}
