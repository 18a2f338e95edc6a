/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where `save report` may write. A command arrives over the control socket
 * or a command file, so its file name is checked, not trusted: the file
 * goes into the report directory (nfw_ctl_set_report_dir; by default the
 * directory the process started in) or a directory beneath it, a relative
 * name counts from there, and the directory is resolved (realpath) before
 * it is compared, so neither ".." nor a symbolic link leads out. An
 * existing file is replaced only when it is a regular file (never through
 * a symbolic link); the report is written to a new file beside it
 * (mkostemp: a fresh name, O_EXCL; then mode 0640) and renamed over it, so
 * a reader never sees half and a stale temporary never blocks the next.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_priv.h"

int
nfw_ctl_set_report_dir(struct nfw_ctl *c, const char *dir)
{
	char *r = realpath(dir, NULL);
	if (r == NULL)
		return -errno;
	struct stat st;
	if (stat(r, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(r);
		return -ENOTDIR;
	}
	free(c->report_dir);
	c->report_dir = r;
	return 0;
}

const char *
nfw_ctl_report_dir(const struct nfw_ctl *c)
{
	return c->report_dir;
}

/* inside: dir itself or beneath it */
static bool
within(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int
ctl_save_json(struct nfw_ctl *c, const char *name, json_t *j, char *out, size_t outlen, char *err, size_t errlen)
{
	char full[PATH_MAX], tmp[PATH_MAX + 16];
	int n = name[0] == '/' ? snprintf(full, sizeof(full), "%s", name)
			       : snprintf(full, sizeof(full), "%s/%s", c->report_dir, name);
	if (n < 0 || (size_t)n >= sizeof(full)) {
		snprintf(err, errlen, "file name too long");
		return -1;
	}
	char *slash = strrchr(full, '/');
	const char *base = slash + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		snprintf(err, errlen, "%s: not a file name", name);
		return -1;
	}
	*slash = '\0';
	char *dir = realpath(full[0] != '\0' ? full : "/", NULL);
	if (dir == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
		return -1;
	}
	if (!within(c->report_dir, dir)) {
		snprintf(err, errlen, "cannot write %s: outside the report directory %s", name, c->report_dir);
		free(dir);
		return -1;
	}
	n = snprintf(out, outlen, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base);
	free(dir);
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "file name too long");
		return -1;
	}
	struct stat st;
	if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot write %s: it exists and is not a regular file", out);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out);
	int fd = mkostemp(tmp, O_CLOEXEC); /* a new file of its own (O_EXCL), never a link's target */
	if (fd >= 0 && fchmod(fd, 0640) != 0) {
		close(fd);
		unlink(tmp);
		fd = -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
		return -1;
	}
	int rc = json_dumpfd(j, fd, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int e = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && rename(tmp, out) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", out, strerror(e));
		return -1;
	}
	return 0;
}
