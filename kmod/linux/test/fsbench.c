// SPDX-License-Identifier: GPL-2.0-only
/*
 * fsbench.c - a metadata and small-file workload timed phase by phase, run in
 * the QEMU guest on plain ext4 and through the intermezzo mount of the same
 * disk (qemu_bench.sh): create+write+close N files of SIZE bytes in 10
 * folders, stat them all, read them all, rename them all, chmod them all,
 * unlink them all. One line per phase: "fsbench PHASE MILLISECONDS".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fsbench: %s %s: ", what, path);
	perror(NULL);
	exit(1);
}

int main(int argc, char **argv)
{
	static char buf[65536];
	char path[4096], path2[4096];
	int n, size, i, fd;
	double t;
	struct stat st;

	if (argc != 4) {
		fprintf(stderr, "usage: fsbench DIRECTORY FILES SIZE\n");
		return 64;
	}
	n = atoi(argv[2]);
	size = atoi(argv[3]);
	if (n <= 0 || size < 0 || size > (int)sizeof(buf)) {
		fprintf(stderr, "fsbench: FILES > 0, 0 <= SIZE <= %zu\n", sizeof(buf));
		return 64;
	}
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/d%d", argv[1], i);
		if (mkdir(path, 0755) != 0)
			die("mkdir", path);
	}
#define FILE_PATH(p, fmt, k) snprintf(p, sizeof(p), "%s/d%d/" fmt "%d", argv[1], (k) % 10, (k))
#define PHASE(name, body)                                    \
	t = now_ms();                                        \
	for (i = 0; i < n; i++) {                            \
		body;                                        \
	}                                                    \
	printf("fsbench %s %.1f\n", name, now_ms() - t);

	PHASE("create", {
		FILE_PATH(path, "f", i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, buf, size) != size || close(fd) != 0)
			die("create", path);
	});
	PHASE("stat", {
		FILE_PATH(path, "f", i);
		if (stat(path, &st) != 0)
			die("stat", path);
	});
	PHASE("read", {
		FILE_PATH(path, "f", i);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != size || close(fd) != 0)
			die("read", path);
	});
	PHASE("rename", {
		FILE_PATH(path, "f", i);
		FILE_PATH(path2, "g", i);
		if (rename(path, path2) != 0)
			die("rename", path);
	});
	PHASE("chmod", {
		FILE_PATH(path, "g", i);
		if (chmod(path, 0600) != 0)
			die("chmod", path);
	});
	PHASE("unlink", {
		FILE_PATH(path, "g", i);
		if (unlink(path) != 0)
			die("unlink", path);
	});
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/d%d", argv[1], i);
		if (rmdir(path) != 0)
			die("rmdir", path);
	}
	return 0;
}
