// SPDX-License-Identifier: GPL-2.0-only
/*
 * treedigest.c - one line per object under DIRECTORY, sorted by path:
 * "path type mode uid gid nlink size content", where content is an FNV-1a
 * hash of a regular file's bytes or a symlink's target. The metadata folder
 * .intermezzo at the top is left out. Built static, it prints the same lines
 * in the QEMU guest and on the host, so two trees are compared by their
 * digests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **lines;
static size_t count, cap;
static size_t root_len;

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int content(const char *path, const struct stat *st, uint64_t *h)
{
	unsigned char buf[65536];
	ssize_t n;
	int fd;

	*h = 0xcbf29ce484222325ull;
	if (S_ISLNK(st->st_mode)) {
		n = readlink(path, (char *)buf, sizeof(buf));
		if (n < 0)
			return -1;
		*h = fnv(*h, buf, (size_t)n);
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*h = fnv(*h, buf, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = path + root_len;
	uint64_t h;
	char *line;

	(void)flag;
	if (ftw->level == 0)
		return 0;
	while (*rel == '/')
		rel++;
	if (!strcmp(rel, ".intermezzo") || !strncmp(rel, ".intermezzo/", 12))
		return 0;
	if (content(path, st, &h)) {
		perror(path);
		return 1;
	}
	if (asprintf(&line, "%s %c %04o %u %u %lu %lld %016" PRIx64, rel,
		     S_ISDIR(st->st_mode) ? 'd' : S_ISREG(st->st_mode) ? 'f' : S_ISLNK(st->st_mode) ? 'l' : 'o',
		     (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)st->st_gid,
		     S_ISDIR(st->st_mode) ? 0ul : (unsigned long)st->st_nlink,
		     S_ISREG(st->st_mode) || S_ISLNK(st->st_mode) ? (long long)st->st_size : 0ll, h) < 0)
		return 1;
	if (count == cap) {
		cap = cap ? cap * 2 : 64;
		lines = realloc(lines, cap * sizeof(*lines));
		if (!lines)
			return 1;
	}
	lines[count++] = line;
	return 0;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: treedigest DIRECTORY\n");
		return 64;
	}
	root_len = strlen(argv[1]);
	if (nftw(argv[1], visit, 32, FTW_PHYS) != 0) {
		fprintf(stderr, "treedigest: cannot walk %s\n", argv[1]);
		return 1;
	}
	qsort(lines, count, sizeof(*lines), by_text);
	for (size_t i = 0; i < count; i++)
		puts(lines[i]);
	return 0;
}
