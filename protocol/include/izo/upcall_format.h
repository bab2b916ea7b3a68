/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * upcall_format.h - the messages between Presto (the filter) and Lento.
 *
 * One definition for both filters: the kernel module's character device
 * (/dev/intermezzoN) and presto-fuse's Unix socket carry the same messages,
 * byte for byte. The specification, with who sends what and when, is
 * protocol/upcall/FORMAT.md.
 *
 * Every integer is little-endian. A message is
 *
 *     struct izo_upcall_head  (64 bytes, fixed)
 *     fileset [fileset_len]   (no NUL)
 *     path    [path_len]      (no NUL; fileset-relative)
 *     data    [data_len]      (JOURNAL only: one encoded KML record)
 *
 * and head.len is the whole message's size: 64 + fileset_len + path_len +
 * data_len.
 */
#ifndef IZO_UPCALL_FORMAT_H
#define IZO_UPCALL_FORMAT_H

#include "kml_format.h"

#define IZO_UPCALL_MAGIC 0x50555A49u /* "IZUP" as bytes */
#define IZO_UPCALL_FORMAT_V1 1u
#define IZO_UPCALL_MAX_FILESET 255u
#define IZO_UPCALL_MAX_PATH 4096u
#define IZO_UPCALL_MAX_DATA IZO_KML_MAX_LEN

/* Kinds. Values are part of the format: never renumber, only append. */
enum izo_upcall_kind {
	/* Lento -> filter */
	IZO_DOWN_ATTACH = 1,        /* Lento serves `fileset`; its updates pass unjournaled */
	IZO_DOWN_PERMIT_REPLY = 2,  /* id: the PERMIT asked; status 0 granted, else errno (EROFS) */
	IZO_DOWN_FETCH_REPLY = 3,   /* id: the FETCH asked; status 0 the data is in place */
	IZO_DOWN_REVOKE = 4,        /* give the permit back: finish updates, then PERMIT_RETURNED */
	IZO_DOWN_DETACH = 5,        /* Lento goes; the filter waits for the next ATTACH */
	IZO_DOWN_JOURNAL = 6,       /* id; data: a KML record Lento applied, for the filter to append */
	IZO_DOWN_SYNC = 7,          /* id: make the KML durable */
	/* filter -> Lento */
	IZO_UP_ATTACHED = 16,       /* reply to ATTACH; recno: the KML's last record, durable; version.host: the filter's host id */
	IZO_UP_PERMIT = 17,         /* id: new request; pid: the process about to update */
	IZO_UP_FETCH = 18,          /* id: new request; path, version: the content wanted */
	IZO_UP_KML_WRITTEN = 19,    /* recno: the KML is durable through this record (no reply) */
	IZO_UP_PERMIT_RETURNED = 20, /* after REVOKE: no update is in progress any more */
	IZO_UP_JOURNALED = 21       /* reply to JOURNAL (recno: its number) or SYNC (recno: durable through) */
};
#define IZO_UPCALL_KIND_MAX 21u

struct izo_upcall_head {
	izo_le32 magic;              /*  0 IZO_UPCALL_MAGIC */
	izo_le32 len;                /*  4 whole message, bytes */
	izo_le16 format;             /*  8 IZO_UPCALL_FORMAT_V1 */
	izo_le16 kind;               /* 10 enum izo_upcall_kind */
	izo_le32 status;             /* 12 replies: 0 or a positive errno */
	izo_le64 id;                 /* 16 request id; a reply carries its request's */
	izo_le64 recno;              /* 24 ATTACHED, KML_WRITTEN, JOURNALED: a KML record number */
	struct izo_kml_version version; /* 32 FETCH: the version wanted; ATTACHED: {host id, 0} */
	izo_le32 pid;                /* 48 PERMIT, FETCH: the process on whose behalf */
	izo_le16 fileset_len;        /* 52 */
	izo_le16 path_len;           /* 54 */
	izo_le32 data_len;           /* 56 JOURNAL: bytes of the record after the path */
	izo_le32 reserved;           /* 60 zero */
};

#define IZO_UPCALL_HEAD_SIZE 64u

#ifndef __cplusplus
_Static_assert(sizeof(struct izo_upcall_head) == IZO_UPCALL_HEAD_SIZE, "upcall head is 64 bytes");
#else
static_assert(sizeof(struct izo_upcall_head) == IZO_UPCALL_HEAD_SIZE, "upcall head is 64 bytes");
#endif

#endif /* IZO_UPCALL_FORMAT_H */
