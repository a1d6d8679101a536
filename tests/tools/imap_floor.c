/* tests/tools/imap_floor.c - the benchmark floor for IMAP fetching: a bare
 * client that logs in, examines a folder and sends the same UID FETCH
 * commands crmsync sends (same header fields, same ranges), reading and
 * discarding the bytes. Whatever crmsync costs beyond this is ours.
 *
 * usage: imap_floor HOST PORT USER PASSWORD FOLDER [CHUNK [BODYBYTES]]
 * prints: messages bytes seconds
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FIELDS                                                                           \
	"From Sender Reply-To To Cc Bcc Date Subject Message-ID In-Reply-To References " \
	"Auto-Submitted Precedence List-Id List-Unsubscribe X-Autoreply X-Autorespond "  \
	"Content-Type Content-Transfer-Encoding MIME-Version"

static char rbuf[1 << 20];
static size_t rlen, rpos;
static unsigned long long total_bytes;

static int fill(int fd)
{
	ssize_t n;

	if (rpos > 0) {
		memmove(rbuf, rbuf + rpos, rlen - rpos);
		rlen -= rpos;
		rpos = 0;
	}
	n = read(fd, rbuf + rlen, sizeof rbuf - rlen);
	if (n <= 0)
		return -1;
	rlen += (size_t)n;
	total_bytes += (unsigned long long)n;
	return 0;
}

/* Reads one line (without CRLF) into line; skips literals that end it by
 * reading past their bytes. Returns 0 or -1. */
static int read_line(int fd, char *line, size_t size, unsigned long *msgs)
{
	for (;;) {
		char *nl = memchr(rbuf + rpos, '\n', rlen - rpos);
		if (nl == NULL) {
			if (fill(fd) == -1)
				return -1;
			continue;
		}
		size_t len = (size_t)(nl - (rbuf + rpos)) + 1;
		size_t copy = len < size ? len : size - 1;
		memcpy(line, rbuf + rpos, copy);
		line[copy] = '\0';
		rpos += len;
		if (strstr(line, " FETCH (") != NULL && line[0] == '*')
			(*msgs)++;
		/* A literal: {N}\r\n then N bytes, then the line goes on. */
		char *brace = strrchr(line, '{');
		if (brace != NULL && len >= 3 && line[copy - 3] == '}') {
			unsigned long n = strtoul(brace + 1, NULL, 10);
			while (rlen - rpos < n)
				if (fill(fd) == -1)
					return -1;
			rpos += n;
			continue;
		}
		return 0;
	}
}

static int command(int fd, const char *tag, const char *cmd, unsigned long *msgs)
{
	char line[8192];

	if (dprintf(fd, "%s %s\r\n", tag, cmd) < 0)
		return -1;
	for (;;) {
		if (read_line(fd, line, sizeof line, msgs) == -1)
			return -1;
		if (strncmp(line, tag, strlen(tag)) == 0 && line[strlen(tag)] == ' ')
			return strncmp(line + strlen(tag) + 1, "OK", 2) == 0 ? 0 : -1;
	}
}

int main(int argc, char **argv)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	unsigned long msgs = 0, uidnext = 0, chunk, body;
	char cmd[1024], line[8192];
	struct timespec t0, t1;
	int fd;

	if (argc < 6)
		return 2;
	chunk = argc > 6 ? strtoul(argv[6], NULL, 10) : 1000;
	body = argc > 7 ? strtoul(argv[7], NULL, 10) : 0;
	if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0)
		return 1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd == -1 || connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		return 1;
	freeaddrinfo(ai);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (read_line(fd, line, sizeof line, &msgs) == -1)
		return 1;
	snprintf(cmd, sizeof cmd, "LOGIN \"%s\" \"%s\"", argv[3], argv[4]);
	if (command(fd, "a1", cmd, &msgs) == -1)
		return 1;
	snprintf(cmd, sizeof cmd, "STATUS \"%s\" (UIDNEXT)", argv[5]);
	dprintf(fd, "a2 %s\r\n", cmd);
	for (;;) {
		char *p;
		if (read_line(fd, line, sizeof line, &msgs) == -1)
			return 1;
		if ((p = strstr(line, "UIDNEXT ")) != NULL)
			uidnext = strtoul(p + 8, NULL, 10);
		if (strncmp(line, "a2 ", 3) == 0)
			break;
	}
	snprintf(cmd, sizeof cmd, "EXAMINE \"%s\"", argv[5]);
	if (command(fd, "a3", cmd, &msgs) == -1)
		return 1;
	msgs = 0;
	for (unsigned long from = 1, i = 0; from < uidnext; from += chunk, i++) {
		char tag[32], bodypart[64] = "";
		unsigned long to = from + chunk - 1 < uidnext - 1 ? from + chunk - 1 : uidnext - 1;
		if (body > 0)
			snprintf(bodypart, sizeof bodypart, " BODY.PEEK[TEXT]<0.%lu>", body);
		snprintf(tag, sizeof tag, "f%lu", i);
		snprintf(cmd, sizeof cmd,
			 "UID FETCH %lu:%lu (UID INTERNALDATE RFC822.SIZE "
			 "BODY.PEEK[HEADER.FIELDS (" FIELDS ")]%s)",
			 from, to, bodypart);
		if (command(fd, tag, cmd, &msgs) == -1)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	command(fd, "z", "LOGOUT", &msgs);
	close(fd);
	printf("%lu %llu %.3f\n", msgs, total_bytes,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
