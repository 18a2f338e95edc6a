/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfwatch-ctl: send commands to a running appliance over its control socket
 * and print the answers.
 *
 *   nfwatch-ctl [-s SOCKET | -p FILE_PREFIX] [-j] COMMAND WORDS...
 *   nfwatch-ctl [-s SOCKET | -p FILE_PREFIX] [-j] < script
 *
 * The socket is the appliance's --ctl-socket, by default
 * /var/run/dpdk/FILE_PREFIX/nfwatch.sock (the appliance prints it at
 * start). One command per connection: the line goes out, the answer comes
 * back as a status line (0 ok, 1 error, 2 quitting) and the text or JSON.
 * Exit status: 0, 1 when a command failed, 2 for usage or connection errors.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_LINE 512
#define TIMEOUT_MS 30000 /* show flows top scans every table: allow it time */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: nfwatch-ctl [-s SOCKET | -p FILE_PREFIX] [-j] [COMMAND WORDS...]\n"
		    "  -s, --socket PATH   the appliance's control socket\n"
		    "  -p, --prefix NAME   its DPDK --file-prefix (socket /var/run/dpdk/NAME/nfwatch.sock)\n"
		    "  -j, --json          answers as JSON\n"
		    "  without a command, one command per line is read from stdin\n"
		    "exit: 0 ok, 1 a command failed, 2 usage or connection error\n");
}

/* one command; returns its status (0, 1, 2 = quitting) or -1 on a connection error */
static int
run(const char *path, const char *line, int json)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[MAX_LINE + 16];
	int n = snprintf(req, sizeof(req), "%s%s\n", json ? "json " : "", line);
	if (n < 0 || (size_t)n >= sizeof(req) || strlen(line) >= MAX_LINE) {
		fprintf(stderr, "nfwatch-ctl: command longer than %d characters\n", MAX_LINE - 1);
		return 1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "nfwatch-ctl: %s: %s (is nfwatch running?)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, req, (size_t)n) != n) {
		fprintf(stderr, "nfwatch-ctl: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	char buf[65536];
	int status = -1, first = 1;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, TIMEOUT_MS) <= 0) {
			fprintf(stderr, "nfwatch-ctl: no answer within %d s\n", TIMEOUT_MS / 1000);
			status = -1;
			break;
		}
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		const char *body = buf;
		size_t len = (size_t)r;
		if (first) {
			const char *nl = memchr(buf, '\n', len);
			if (nl == NULL || nl == buf || (buf[0] < '0' || buf[0] > '2')) {
				fprintf(stderr, "nfwatch-ctl: not an nfwatch control socket\n");
				break;
			}
			status = buf[0] - '0';
			body = nl + 1;
			len -= (size_t)(body - buf);
			first = 0;
		}
		fwrite(body, 1, len, status == 1 ? stderr : stdout);
	}
	close(fd);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[108] = "";
	int json = 0, o;
	while ((o = getopt_long(argc, argv, "+s:p:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's':
		case 'p':
			if ((o == 's' ? snprintf(path, sizeof(path), "%s", optarg)
				      : snprintf(path, sizeof(path), "/var/run/dpdk/%s/nfwatch.sock", optarg)) >=
			    (int)sizeof(path)) {
				fprintf(stderr, "nfwatch-ctl: socket path too long\n");
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/var/run/dpdk/rte/nfwatch.sock");
	if (optind < argc) {
		char line[MAX_LINE * 2] = "";
		size_t u = 0;
		for (int i = optind; i < argc && u < sizeof(line); i++)
			u += (size_t)snprintf(line + u, sizeof(line) - u, "%s%s", i > optind ? " " : "", argv[i]);
		if (u >= MAX_LINE) {
			fprintf(stderr, "nfwatch-ctl: command longer than %d characters\n", MAX_LINE - 1);
			return 2;
		}
		int st = run(path, line, json);
		return st < 0 ? 2 : st == 1 ? 1 : 0;
	}
	char line[MAX_LINE + 2];
	int worst = 0;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		const char *p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		int st = run(path, p, json);
		if (st < 0)
			return 2;
		if (st == 1)
			worst = 1;
		if (st == 2)
			break;
	}
	return worst;
}
