// SPDX-License-Identifier: GPL-2.0-only
/*
 * fakelento.c - plays Lento on /dev/intermezzoN in the QEMU guest and checks
 * every conversation of protocol/upcall/FORMAT.md against the module: no Lento,
 * ATTACH, a permit granted, KML_WRITTEN, REVOKE, a permit refused, Lento's own
 * update unjournaled, JOURNAL (a peer's record keeps its origin; a damaged one
 * is EINVAL), SYNC, FETCH on open of missing content, DETACH. Updates by "other
 * processes" are made by forked children. Prints "fakelento: ok" when every
 * check passed, else the failed check, and exits 1.
 *
 * usage: fakelento DEVICE FILESET MOUNTPOINT HOLDING HOSTNAME
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "upcall_format.h"

static int dev;
static const char *fileset, *mnt, *holding;
static uint64_t last_written; /* the highest KML_WRITTEN seen */

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "fakelento: FAILED: ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, " (errno %s)\n", strerror(errno));
	va_end(ap);
	exit(1);
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = ~0u;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & -(crc & 1u));
	}
	return ~crc;
}

static uint64_t host_id_of(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *name; name++) {
		h ^= (uint8_t)*name;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

/* Sends one message of `kind` (x86 is little-endian, as the format). */
static void send_msg(uint16_t kind, uint64_t id, uint32_t status, const void *data, uint32_t data_len)
{
	uint8_t buf[IZO_UPCALL_HEAD_SIZE + 256 + IZO_KML_MAX_LEN];
	struct izo_upcall_head *h = (struct izo_upcall_head *)buf;
	size_t fs_len = strlen(fileset);
	size_t len = IZO_UPCALL_HEAD_SIZE + fs_len + data_len;

	memset(buf, 0, IZO_UPCALL_HEAD_SIZE);
	h->magic = IZO_UPCALL_MAGIC;
	h->len = (uint32_t)len;
	h->format = IZO_UPCALL_FORMAT_V1;
	h->kind = kind;
	h->id = id;
	h->status = status;
	h->fileset_len = (uint16_t)fs_len;
	h->data_len = data_len;
	memcpy(buf + IZO_UPCALL_HEAD_SIZE, fileset, fs_len);
	if (data_len)
		memcpy(buf + IZO_UPCALL_HEAD_SIZE + fs_len, data, data_len);
	if (write(dev, buf, len) != (ssize_t)len)
		fail("write of message kind %u", kind);
}

/* The next message other than a KML_WRITTEN notice (those are noted). */
static struct izo_upcall_head expect(uint16_t kind, char *path, size_t path_size)
{
	uint8_t buf[IZO_UPCALL_HEAD_SIZE + 256 + 4096];
	struct izo_upcall_head h;

	for (;;) {
		ssize_t n = read(dev, buf, sizeof(buf));

		if (n < (ssize_t)IZO_UPCALL_HEAD_SIZE)
			fail("read while expecting kind %u", kind);
		memcpy(&h, buf, sizeof(h));
		if (h.magic != IZO_UPCALL_MAGIC || h.len != (uint32_t)n)
			fail("a malformed message from the module");
		if (h.kind == IZO_UP_KML_WRITTEN && kind != IZO_UP_KML_WRITTEN) {
			last_written = h.recno;
			continue;
		}
		if (h.kind != kind)
			fail("kind %u where %u was expected", h.kind, kind);
		if (h.fileset_len != strlen(fileset) ||
		    memcmp(buf + IZO_UPCALL_HEAD_SIZE, fileset, h.fileset_len))
			fail("a message for another fileset");
		if (path) {
			size_t len = h.path_len < path_size - 1 ? h.path_len : path_size - 1;

			memcpy(path, buf + IZO_UPCALL_HEAD_SIZE + h.fileset_len, len);
			path[len] = '\0';
		}
		return h;
	}
}

/* A child process (not Lento) makes a folder; returns its errno (0: made). */
static pid_t child_mkdir(const char *name)
{
	char path[4096];
	pid_t pid = fork();

	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/%s", mnt, name);
		_exit(mkdir(path, 0755) == 0 ? 0 : errno);
	}
	return pid;
}

static int child_result(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		fail("waitpid");
	return WEXITSTATUS(st);
}

/* A mkdir record as a peer would send it, with its origin. */
static size_t peer_record(uint8_t *buf, const char *path, uint64_t origin, uint64_t origin_recno)
{
	struct izo_kml_head *h = (struct izo_kml_head *)buf;
	size_t plen = strlen(path);
	size_t len = IZO_KML_RECORD_LEN(plen);
	struct izo_kml_tail *t = (struct izo_kml_tail *)(buf + len - IZO_KML_TAIL_SIZE);

	memset(buf, 0, len);
	h->magic = IZO_KML_MAGIC;
	h->len = (uint32_t)len;
	h->recno = 1;
	h->format = IZO_KML_FORMAT_V1;
	h->opcode = IZO_KML_MKDIR;
	h->path_len = (uint16_t)plen;
	h->valid = IZO_ATTR_MODE | IZO_ATTR_UID | IZO_ATTR_GID;
	h->mode = S_IFDIR | 0755;
	h->versions[IZO_V_OBJ_NEW].host = origin;
	h->versions[IZO_V_OBJ_NEW].seq = origin_recno;
	h->origin = origin;
	h->origin_recno = origin_recno;
	memcpy(buf + IZO_KML_HEAD_SIZE, path, plen);
	t->len = (uint32_t)len;
	t->crc32c = crc32c(buf, len - IZO_KML_TAIL_SIZE);
	return len;
}

int main(int argc, char **argv)
{
	struct izo_upcall_head h;
	uint8_t rec[IZO_KML_MAX_LEN];
	char path[4096], got[64];
	size_t len;
	pid_t pid;
	int fd, err;

	if (argc != 6) {
		fprintf(stderr, "usage: fakelento DEVICE FILESET MOUNTPOINT HOLDING HOSTNAME\n");
		return 64;
	}
	fileset = argv[2];
	mnt = argv[3];
	holding = argv[4];
	dev = open(argv[1], O_RDWR);
	if (dev < 0)
		fail("open %s", argv[1]);

	/* No Lento attached: an update fails with EROFS at once. */
	if ((err = child_result(child_mkdir("before-attach"))) != EROFS)
		fail("an update with no Lento attached gave %s, not EROFS", strerror(err));

	send_msg(IZO_DOWN_ATTACH, 1, 0, NULL, 0);
	h = expect(IZO_UP_ATTACHED, NULL, 0);
	if (h.id != 1 || h.version.host != host_id_of(argv[5]) || h.recno != 0)
		fail("ATTACHED id %llu host %llu recno %llu", (unsigned long long)h.id,
		     (unsigned long long)h.version.host, (unsigned long long)h.recno);

	/* A permit asked and granted: the update goes on and is journaled (record 1). */
	pid = child_mkdir("granted");
	h = expect(IZO_UP_PERMIT, NULL, 0);
	if (h.pid != (uint32_t)pid)
		fail("PERMIT for pid %u, the updater is %d", h.pid, pid);
	send_msg(IZO_DOWN_PERMIT_REPLY, h.id, 0, NULL, 0);
	if ((err = child_result(pid)) != 0)
		fail("the update under a granted permit failed: %s", strerror(err));
	if (last_written < 1) {
		h = expect(IZO_UP_KML_WRITTEN, NULL, 0);
		if (h.recno < 1)
			fail("KML_WRITTEN says %llu", (unsigned long long)h.recno);
	}

	/* Revoked, then asked for again and refused: EROFS, nothing journaled. */
	send_msg(IZO_DOWN_REVOKE, 0, 0, NULL, 0);
	expect(IZO_UP_PERMIT_RETURNED, NULL, 0);
	pid = child_mkdir("refused");
	h = expect(IZO_UP_PERMIT, NULL, 0);
	send_msg(IZO_DOWN_PERMIT_REPLY, h.id, EROFS, NULL, 0);
	if ((err = child_result(pid)) != EROFS)
		fail("an update under a refused permit gave %s, not EROFS", strerror(err));

	/* Lento's own update: no permit asked, no record. */
	snprintf(path, sizeof(path), "%s/by-lento", mnt);
	if (mkdir(path, 0755) != 0)
		fail("Lento's own mkdir");

	/* JOURNAL: a peer's record keeps its origin and becomes record 2. */
	len = peer_record(rec, "from-peer", 777, 5);
	send_msg(IZO_DOWN_JOURNAL, 9, 0, rec, (uint32_t)len);
	h = expect(IZO_UP_JOURNALED, NULL, 0);
	if (h.id != 9 || h.status != 0 || h.recno != 2)
		fail("JOURNALED id %llu status %u recno %llu", (unsigned long long)h.id, h.status,
		     (unsigned long long)h.recno);
	rec[IZO_KML_HEAD_SIZE] ^= 1; /* the checksum no longer matches */
	send_msg(IZO_DOWN_JOURNAL, 10, 0, rec, (uint32_t)len);
	h = expect(IZO_UP_JOURNALED, NULL, 0);
	if (h.id != 10 || h.status != EINVAL)
		fail("a damaged JOURNAL record got status %u, not EINVAL", h.status);
	send_msg(IZO_DOWN_SYNC, 11, 0, NULL, 0);
	h = expect(IZO_UP_JOURNALED, NULL, 0);
	if (h.id != 11 || h.status != 0 || h.recno != 2)
		fail("SYNC answered status %u durable %llu", h.status, (unsigned long long)h.recno);

	/* FETCH: content marked missing is asked for at open; the open waits for it. */
	snprintf(path, sizeof(path), "%s/fetched", holding);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || close(fd) != 0 || setxattr(path, "trusted.izo.missing", "", 0, 0) != 0)
		fail("marking %s missing", path);
	pid = fork();
	if (pid == 0) {
		char data[64] = "";
		int rfd;

		snprintf(path, sizeof(path), "%s/fetched", mnt);
		rfd = open(path, O_RDONLY);
		if (rfd < 0)
			_exit(errno);
		if (read(rfd, data, sizeof(data) - 1) < 0)
			_exit(errno);
		_exit(strcmp(data, "fetched content\n") ? EBADMSG : 0);
	}
	h = expect(IZO_UP_FETCH, got, sizeof(got));
	if (strcmp(got, "fetched"))
		fail("FETCH names '%s'", got);
	snprintf(path, sizeof(path), "%s/fetched", holding);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, "fetched content\n", 16) != 16 || close(fd) != 0 ||
	    removexattr(path, "trusted.izo.missing") != 0)
		fail("putting the fetched content in place");
	send_msg(IZO_DOWN_FETCH_REPLY, h.id, 0, NULL, 0);
	if ((err = child_result(pid)) != 0)
		fail("the open waiting for its fetch gave %s", strerror(err));

	/* DETACH: updates fail with EROFS again. */
	send_msg(IZO_DOWN_DETACH, 0, 0, NULL, 0);
	if ((err = child_result(child_mkdir("after-detach"))) != EROFS)
		fail("an update after DETACH gave %s, not EROFS", strerror(err));
	close(dev);
	puts("fakelento: ok");
	return 0;
}
