/*
 * out_file.c: JSON lines appended to a file (output.file.*).
 *
 * The file is opened with O_APPEND, then given `mode` (fchmod, so the
 * umask does not narrow it) and `user`/`group` (fchown). SIGHUP and
 * SIGUSR1 reopen it for logrotate: the new file is opened before the old
 * one is closed, so a failed reopen keeps writing to the old file rather
 * than losing events, and is tried again every FILE_REOPEN_RETRY_MS until
 * it works (the directory made writable again, made again).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../log.h"
#include "../pauditd.h"
#include "fdwrite.h"
#include "output.h"

struct out_file_conf {
	char	*path;
	int	 mode;
	char	*user;
	char	*group;
};

/* A failed reopen is tried again this often, at the next write. */
#define FILE_REOPEN_RETRY_MS	1000
#define FILE_REOPEN_SAY_EVERY	600	/* tries: every 10 minutes */

struct out_file {
	struct fdwriter	 w;
	char		*path;
	int		 mode;
	unsigned	 uid;		/* (unsigned)-1: unchanged */
	unsigned	 gid;
	uint64_t	 reopen_at;	/* a failed reopen's next try; 0: none */
	unsigned	 reopen_tries;	/* failed reopens in a row */
	struct log_ratelimit rl;
};

static const struct cfg_field out_file_fields[] = {
	{ .key = "path", .type = CFG_STR, .offset = offsetof(struct out_file_conf, path),
	  .flags = CFG_F_REQUIRED, .set_offset = CFG_NOSET, .desc = "file to append to" },
	{ .key = "mode", .type = CFG_MODE, .def = "0600",
	  .offset = offsetof(struct out_file_conf, mode),
	  .set_offset = CFG_NOSET, .desc = "file mode (octal, 0600)" },
	{ .key = "user", .type = CFG_STR, .offset = offsetof(struct out_file_conf, user),
	  .set_offset = CFG_NOSET, .desc = "owner (name or number); empty: unchanged" },
	{ .key = "group", .type = CFG_STR, .offset = offsetof(struct out_file_conf, group),
	  .set_offset = CFG_NOSET, .desc = "group (name or number); empty: unchanged" },
	{ 0 }
};

/*
 * The largest id we take as a number: uid_t and gid_t are 32 bits, and
 * (uid_t)-1 is fchown's "leave unchanged".
 */
#define ID_MAX		4294967294ULL

/*
 * A numeric id: decimal digits only, at most ID_MAX. strtoul alone would
 * take "-1", " 1" and "+1", and wrap 4294967297 to 1, chowning the file
 * to someone else without a word.
 */
static int
parse_id(const char *s, unsigned *ret)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -ENOENT;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -ENOENT;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > ID_MAX)
			return -ENOENT;
	}
	*ret = (unsigned)v;
	return 0;
}

/*
 * Resolve a user (or, with `group`, a group) by name or number; empty
 * means "leave unchanged" ((unsigned)-1). -ENOENT if unknown.
 */
static int
resolve_id(const char *s, bool group, unsigned *ret)
{
	struct passwd *pw;
	struct group *gr;

	if (s == NULL || *s == '\0') {
		*ret = (unsigned)-1;
		return 0;
	}
	if (!group && (pw = getpwnam(s)) != NULL) {
		*ret = pw->pw_uid;
		return 0;
	}
	if (group && (gr = getgrnam(s)) != NULL) {
		*ret = gr->gr_gid;
		return 0;
	}
	return parse_id(s, ret);
}

static int
line_of(const struct ynode *node, const char *key)
{
	const struct ypair *p = ynode_pair(node, key);

	return p ? p->line : (node ? node->line : 0);
}

/*
 * What --check-config can tell of the path without creating the file:
 * its directory must exist, and the path must not be a directory.
 * Whether it may be written depends on who runs the daemon; open says.
 */
static int
check_path(const char *path, const struct ynode *node, struct cfg_ctx *c)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *dir;
	int r = 0;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		cfg_error(c, line_of(node, "path"), "output.file.path",
		    "%s is a directory", path);
		return -EINVAL;
	}
	if (slash == NULL || slash == path)
		return 0;
	if ((dir = strndup(path, (size_t)(slash - path))) == NULL)
		fatal("config path");
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cfg_error(c, line_of(node, "path"), "output.file.path",
		    "no directory %s for %s", dir, path);
		r = -EINVAL;
	}
	free(dir);
	return r;
}

static int
out_file_check(const void *conf, const struct ynode *node,
    const struct config *root, struct cfg_ctx *c)
{
	const struct out_file_conf *fc = conf;
	unsigned id;
	int r = 0;

	if (fc->path != NULL && fc->path[0] == '\0') {
		cfg_error(c, line_of(node, "path"), "output.file.path", "must not be empty");
		r = -EINVAL;
	} else if (fc->path != NULL && check_path(fc->path, node, c) < 0) {
		r = -EINVAL;
	}
	if (resolve_id(fc->user, false, &id) < 0) {
		cfg_error(c, line_of(node, "user"), "output.file.user",
		    "no such user \"%s\"", fc->user);
		r = -EINVAL;
	}
	if (resolve_id(fc->group, true, &id) < 0) {
		cfg_error(c, line_of(node, "group"), "output.file.group",
		    "no such group \"%s\"", fc->group);
		r = -EINVAL;
	}
	return r;
}

/*
 * The final component of the path, for root: pauditd gives the file its
 * mode and owner, so whoever may write the file's directory (the
 * configured user, a group) could plant a symlink or a hard link there
 * and have root append to, chmod and chown any file of the host
 * (/etc/shadow), or plant a file of their own and read the events. A
 * symlink is followed only if root owns it (an admin's), and a regular
 * file is taken only with one link, owned by root or by the configured
 * user, or as the file stdout or stderr writes to. Without root nothing
 * of this can be done to pauditd. 0 with the file's stat in *st, or -errno
 * with the reason in why.
 */
static int
check_opened(const struct out_file *f, int fd, struct stat *st, char *why,
    size_t len)
{
	if (fstat(fd, st) < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return -errno;
	}
	if (geteuid() != 0 || !S_ISREG(st->st_mode) || std_file(st))
		return 0;	/* a device, a FIFO: as they are */
	if (st->st_nlink > 1) {
		snprintf(why, len, "it has %lu hard links: refusing a file that "
		    "may be another's", (unsigned long)st->st_nlink);
		return -EPERM;
	}
	if (st->st_uid != 0 && st->st_uid != (uid_t)f->uid) {
		snprintf(why, len, "it belongs to uid %lu, neither root nor "
		    "output.file.user: chown it, or move it away",
		    (unsigned long)st->st_uid);
		return -EPERM;
	}
	return 0;
}

#define ROOT_LINK_HOPS	8	/* root's symlinks followed in a row */

/*
 * open() as root: the final component is not followed unless it is a
 * symlink root owns, and then by the text of the very link that was
 * checked (read through an fd on it), so that whoever may write the
 * directory cannot swap it between the check and the open; its target is
 * opened the same way, hop by hop (a link root made into a directory
 * others write must not lead on to theirs). The links of /proc
 * (/proc/self/fd/1) are the kernel's: followed as they are. The fd, or -1
 * with errno set (and the reason in why when it is ours).
 */
static int
open_as_root(const char *path, int flags, mode_t mode, char *why, size_t len,
    int hops)
{
	char dir[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	const char *base = strrchr(path, '/');
	struct statfs sfs;
	struct stat st;
	int dfd, lfd, fd = -1, e;
	ssize_t n;

	if (strlen(path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (base == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
		    base == path ? 1 : (int)(base - path), path);
		base++;
	}
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	fd = openat(dfd, base, flags | O_NOFOLLOW, mode);
	if (fd >= 0 || errno != ELOOP)
		goto out;
	if ((lfd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto out;
	if (fstat(lfd, &st) < 0) {
		fd = -1;
	} else if (!S_ISLNK(st.st_mode)) {
		snprintf(why, len, "it changed while being opened");
		errno = EAGAIN;
	} else if (st.st_uid != 0) {
		snprintf(why, len, "%s is a symlink of uid %lu: only root's are "
		    "followed", hops > 0 ? path : "it", (unsigned long)st.st_uid);
		errno = EPERM;
	} else if (fstatfs(lfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC) {
		fd = openat(dfd, base, flags, mode);
	} else if (hops >= ROOT_LINK_HOPS) {
		errno = ELOOP;
	} else if ((n = readlinkat(lfd, "", target, sizeof(target))) < 0) {
		fd = -1;
	} else if ((size_t)n >= sizeof(target) ||
	    snprintf(next, sizeof(next), "%s%s%.*s", target[0] == '/' ? "" : dir,
	    target[0] == '/' ? "" : "/", (int)n, target) >= (int)sizeof(next)) {
		errno = ENAMETOOLONG;
	} else {
		/* A relative link is relative to its own directory. */
		fd = open_as_root(next, flags, mode, why, len, hops + 1);
	}
	e = errno;
	close(lfd);
	errno = e;
out:
	e = errno;
	close(dfd);
	errno = e;
	return fd;
}

/* Open the file with its mode and owner; the fd, or -errno with why. */
static int
open_file(const struct out_file *f, char *why, size_t len)
{
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK;
	struct stat st;
	int fd, r;

	/*
	 * O_NONBLOCK: a FIFO without a reader would block the open, at
	 * start-up with SIGTERM blocked (it goes to the signalfd), or on the
	 * worker at a reopen; it fails with ENXIO instead. Writes block
	 * again: the worker waits for the file, never the reading.
	 */
	why[0] = '\0';
	if (geteuid() == 0)
		fd = open_as_root(f->path, flags, (mode_t)f->mode, why, len, 0);
	else
		fd = open(f->path, flags, f->mode);
	if (fd < 0) {
		r = -errno;
		if (why[0] == '\0')
			snprintf(why, len, "%s", r == -ENXIO ?
			    "a FIFO without a reader" : strerror(-r));
		return r;
	}
	if ((r = check_opened(f, fd, &st, why, len)) < 0) {
		close(fd);
		return r;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto fail;
	/* Mode and owner are for our log file, never for a device or a FIFO. */
	if (!S_ISREG(st.st_mode))
		return fd;
	if (fchmod(fd, (mode_t)f->mode) < 0 ||
	    ((f->uid != (unsigned)-1 || f->gid != (unsigned)-1) &&
	    fchown(fd, (uid_t)f->uid, (gid_t)f->gid) < 0))
		goto fail;
	return fd;
fail:
	r = -errno;
	snprintf(why, len, "%s", strerror(-r));
	close(fd);
	return r;
}

/* The file ended in a cut line: say what its first write does. */
static void
say_cut(const struct out_file *f, bool cut)
{
	if (cut)
		log_warnx("[output file] %s ends in a cut line (a writer stopped "
		    "in the middle of it): ending it before the next event", f->path);
}

static void
out_file_fini(void *ctx)
{
	struct out_file *f = ctx;

	if (f == NULL)
		return;
	if (f->w.fd >= 0) {
		fdwrite_end(&f->w);
		close(f->w.fd);
	}
	free(f->path);
	free(f);
}

static int
out_file_init(struct output *o, const void *conf, void **ret_ctx)
{
	const struct out_file_conf *fc = conf;
	struct out_file *f = calloc(1, sizeof(*f));
	char why[160];
	int fd;

	if (f == NULL)
		return -ENOMEM;
	f->w.fd = -1;
	f->mode = fc->mode;
	if ((f->path = strdup(fc->path)) == NULL ||
	    resolve_id(fc->user, false, &f->uid) < 0 ||
	    resolve_id(fc->group, true, &f->gid) < 0) {
		out_file_fini(f);
		return -EINVAL;
	}
	if ((fd = open_file(f, why, sizeof(why))) < 0) {
		log_warnx("[output file] cannot open %s: %s", f->path, why);
		out_file_fini(f);
		return fd;
	}
	say_cut(f, fdwrite_init(&f->w, fd));
	*ret_ctx = f;
	return 0;
}

/*
 * SIGHUP, SIGUSR1: open the path again and write there from now on. A
 * failure keeps the old file, and the open is tried again every
 * FILE_REOPEN_RETRY_MS; said at the first failure and every
 * FILE_REOPEN_SAY_EVERY tries after it.
 */
static void
out_file_reopen(void *wctx)
{
	struct out_file *f = wctx;
	char why[160];
	int fd = open_file(f, why, sizeof(why)), old;

	if (fd < 0) {
		if (f->reopen_tries++ % FILE_REOPEN_SAY_EVERY == 0)
			log_warnx("[output file] cannot reopen %s: %s; writing on "
			    "to the old file, trying again every %d s", f->path,
			    why, FILE_REOPEN_RETRY_MS / 1000);
		f->reopen_at = now_mono_ms() + FILE_REOPEN_RETRY_MS;
		return;
	}
	f->reopen_at = 0;
	f->reopen_tries = 0;
	old = f->w.fd;
	/* Before the old fd is closed: set_fd compares the two files. */
	say_cut(f, fdwrite_set_fd(&f->w, fd));
	close(old);
	log_info("[output file] reopened %s", f->path);
}

static void
out_file_write(void *wctx, struct out_item *items, size_t n)
{
	struct out_file *f = wctx;

	if (f->reopen_at != 0 && now_mono_ms() >= f->reopen_at)
		out_file_reopen(f);
	fdwrite_batch(&f->w, items, n);
	if (items[n - 1].res != OUT_OK)
		log_warn_ratelimited(&f->rl, "[output file] write to %s failed: %s",
		    f->path, fdwrite_error(&f->w));
}

const struct output_ops out_file_ops = {
	.name = "file",
	.fields = out_file_fields,
	.conf_size = sizeof(struct out_file_conf),
	.default_queue = 65536,
	.check = out_file_check,
	.init = out_file_init,
	.write = out_file_write,
	.reopen = out_file_reopen,
	.fini = out_file_fini,
};
