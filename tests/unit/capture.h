/*
 * capture.h: the unit tests' capture of stderr, where the daemon logs,
 * into an unlinked temporary file.
 */
#ifndef PAUDITD_TEST_CAPTURE_H
#define PAUDITD_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* stderr into the file from now on; its fd (-1 on error), *saved the old. */
static inline int
capture_begin(int *saved)
{
	char path[] = "/tmp/pauditd-test-log.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) < 0)
		return -1;
	unlink(path);
	fflush(stderr);
	*saved = dup(2);
	dup2(fd, 2);
	return fd;
}

/* stderr back; what it got meanwhile into log, cut to loglen - 1 bytes. */
static inline void
capture_end(int fd, int saved, char *log, size_t loglen)
{
	ssize_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, log, loglen - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* The lines of log that contain s. */
static inline int
capture_lines_with(const char *log, const char *s)
{
	const char *line = log, *end, *hit;
	int n = 0;

	while (*line != '\0') {
		if ((end = strchr(line, '\n')) == NULL)
			end = line + strlen(line);
		hit = strstr(line, s);
		n += hit != NULL && hit < end;
		line = *end != '\0' ? end + 1 : end;
	}
	return n;
}

#endif
