// SPDX-License-Identifier: GPL-2.0-only
/*
 * workload.c - one fixed sequence of updates, run in a directory given as
 * argv[1]: through the kernel module's mount in the QEMU guest, and through
 * presto-fuse on the host, so that the two KMLs can be compared record by
 * record. Every operation journaled by the filters is here at least once.
 * Exits 0 when every step did what it should, else names the failed step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int dir_fd;

static void check(int ok, const char *step)
{
	if (!ok) {
		fprintf(stderr, "workload: %s: %s\n", step, strerror(errno));
		exit(1);
	}
}

static void write_file(const char *name, const char *text, int flags)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | flags, 0644);

	check(fd >= 0, name);
	check(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
	check(close(fd) == 0, "close");
}

int main(int argc, char **argv)
{
	struct timespec times[2] = { { 1000000000, 5 }, { 1234567890, 123456789 } };
	char path[4096];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: workload DIRECTORY\n");
		return 64;
	}
	umask(022);
	dir_fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	check(dir_fd >= 0, argv[1]);

	check(mkdirat(dir_fd, "docs", 0755) == 0, "mkdir docs");
	check(mkdirat(dir_fd, "docs/old", 0700) == 0, "mkdir docs/old");
	write_file("docs/a.txt", "hello, intermezzo\n", O_EXCL);
	write_file("docs/a.txt", "appended\n", O_APPEND);
	write_file("docs/a.txt", "rewritten\n", O_TRUNC);
	check(mknodat(dir_fd, "empty", S_IFREG | 0600, 0) == 0, "mknod regular");
	check(mknodat(dir_fd, "fifo", S_IFIFO | 0640, 0) == 0, "mknod fifo");
	check(symlinkat("docs/a.txt", dir_fd, "link-to-a") == 0, "symlink");
	check(linkat(dir_fd, "docs/a.txt", dir_fd, "docs/hard", 0) == 0, "link");
	check(fchmodat(dir_fd, "docs/a.txt", 0600, 0) == 0, "chmod");
	check(fchownat(dir_fd, "empty", 1000, 1000, 0) == 0, "chown");
	snprintf(path, sizeof(path), "%s/empty", argv[1]);
	check(truncate(path, 3) == 0, "truncate");
	fd = openat(dir_fd, "docs/a.txt", O_WRONLY);
	check(fd >= 0, "open for truncate");
	check(ftruncate(fd, 4) == 0, "ftruncate");
	check(close(fd) == 0, "close after ftruncate");
	check(utimensat(dir_fd, "docs/a.txt", times, 0) == 0, "utimensat");
	check(renameat(dir_fd, "docs/a.txt", dir_fd, "docs/b.txt") == 0, "rename");
	write_file("docs/c.txt", "to be replaced\n", 0);
	check(renameat(dir_fd, "docs/b.txt", dir_fd, "docs/c.txt") == 0, "rename over");
	fd = openat(dir_fd, "docs/c.txt", O_RDONLY);
	check(fd >= 0, "open for xattr");
	check(fsetxattr(fd, "user.colour", "blue", 4, XATTR_CREATE) == 0, "setxattr");
	check(fsetxattr(fd, "user.colour", "green", 5, XATTR_REPLACE) == 0, "setxattr replace");
	check(fremovexattr(fd, "user.colour") == 0, "removexattr");
	check(close(fd) == 0, "close after xattr");
	check(unlinkat(dir_fd, "docs/hard", 0) == 0, "unlink");
	check(unlinkat(dir_fd, "docs/old", AT_REMOVEDIR) == 0, "rmdir");
	check(mkdirat(dir_fd, ".intermezzo", 0755) == -1 && errno == EPERM, "the metadata folder cannot be made");
	check(unlinkat(dir_fd, "no-such-file", 0) == -1 && errno == ENOENT, "a failed unlink");
	check(fsync(dir_fd) == 0, "fsync");
	puts("workload: done");
	return 0;
}
