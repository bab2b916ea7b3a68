/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * kml_format.h - the on-disk layout of a Kernel Modification Log record.
 *
 * This one header is the layout for the Linux kernel module (C) and for every
 * C++ part of the project. The full specification, with the rules for walking
 * and recovering a log, is protocol/kml/FORMAT.md.
 *
 * Every integer is little-endian, whatever the host. A record is
 *
 *     struct izo_kml_head   (232 bytes, fixed)
 *     path   [path_len]     (no NUL)
 *     path2  [path2_len]    (no NUL)
 *     data   [data_len]
 *     zero padding to a multiple of 8
 *     struct izo_kml_tail   (8 bytes: crc32c, len)
 *
 * head.len == tail.len == the whole record's size in bytes, a multiple of 8,
 * and tail.crc32c is the CRC-32C (Castagnoli) of every byte before the tail.
 */
#ifndef IZO_KML_FORMAT_H
#define IZO_KML_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __le16 izo_le16;
typedef __le32 izo_le32;
typedef __le64 izo_le64;
#else
#include <stddef.h>
#include <stdint.h>
typedef uint16_t izo_le16;
typedef uint32_t izo_le32;
typedef uint64_t izo_le64;
#endif

#define IZO_KML_MAGIC 0x4C4B5A49u /* "IZKL" as bytes on disk */
#define IZO_KML_FORMAT_V1 1u

/* Limits. A record that exceeds one is malformed. */
#define IZO_KML_MAX_PATH 4096u   /* path and path2, bytes */
#define IZO_KML_MAX_NAME 255u    /* one path component, an xattr name */
#define IZO_KML_MAX_DATA 65536u  /* an xattr value */
#define IZO_KML_ALIGN 8u

/* Opcodes. Values are part of the format: never renumber, only append. */
enum izo_kml_opcode {
	IZO_KML_NOOP = 0,
	IZO_KML_CREATE = 1,   /* path: new regular file; mode */
	IZO_KML_MKDIR = 2,    /* path: new directory; mode */
	IZO_KML_UNLINK = 3,   /* path: removed name (not a directory) */
	IZO_KML_RMDIR = 4,    /* path: removed empty directory */
	IZO_KML_RENAME = 5,   /* path -> path2; target_old: replaced object */
	IZO_KML_LINK = 6,     /* path: existing object, path2: new name */
	IZO_KML_SYMLINK = 7,  /* path: new link, path2: its target (any bytes) */
	IZO_KML_MKNOD = 8,    /* path: new node; mode (with type), rdev */
	IZO_KML_SETATTR = 9,  /* path; valid says which of mode..mtime apply */
	IZO_KML_CLOSE = 10,   /* path: file closed after writing; size, mtime */
	IZO_KML_SETXATTR = 11,/* path; path2: xattr name, data: value */
	IZO_KML_DELXATTR = 12,/* path; path2: xattr name */
	IZO_KML_OPCODE_COUNT = 13
};

/* head.valid: which attribute fields a SETATTR (or CLOSE) carries. */
#define IZO_ATTR_MODE  0x01u
#define IZO_ATTR_UID   0x02u
#define IZO_ATTR_GID   0x04u
#define IZO_ATTR_SIZE  0x08u
#define IZO_ATTR_ATIME 0x10u
#define IZO_ATTR_MTIME 0x20u
#define IZO_ATTR_ALL   0x3Fu

/* head.flags */
#define IZO_KML_FLAG_XATTR_CREATE  0x01u /* setxattr: fail if it exists */
#define IZO_KML_FLAG_XATTR_REPLACE 0x02u /* setxattr: fail if it is absent */
#define IZO_KML_FLAG_ALL           0x03u

/*
 * A version stamp: the host that produced the version and that host's
 * counter. {0, 0} means "no such object". Two objects with the same path and
 * stamp are identical.
 */
struct izo_kml_version {
	izo_le64 host;
	izo_le64 seq;
};

/* Indexes into head.versions[]. */
enum izo_kml_version_slot {
	IZO_V_OBJ_OLD = 0,     /* the object as the writer saw it */
	IZO_V_OBJ_NEW = 1,     /* the object as the update left it */
	IZO_V_PARENT_OLD = 2,  /* parent directory of path, before */
	IZO_V_PARENT_NEW = 3,  /* parent directory of path, after */
	IZO_V_TPARENT_OLD = 4, /* rename/link: parent of path2, before */
	IZO_V_TPARENT_NEW = 5, /* rename/link: parent of path2, after */
	IZO_V_TARGET_OLD = 6,  /* rename: object replaced at path2, if any */
	IZO_V_SLOTS = 7
};

struct izo_kml_head {
	izo_le32 magic;      /*   0 IZO_KML_MAGIC */
	izo_le32 len;        /*   4 whole record, bytes */
	izo_le64 recno;      /*   8 record number, consecutive within a log */
	izo_le16 format;     /*  16 IZO_KML_FORMAT_V1 */
	izo_le16 opcode;     /*  18 enum izo_kml_opcode */
	izo_le32 flags;      /*  20 IZO_KML_FLAG_* */
	izo_le32 pid;        /*  24 the writer: process id, */
	izo_le32 uid;        /*  28 fs user id, */
	izo_le32 gid;        /*  32 fs group id */
	izo_le16 path_len;   /*  36 */
	izo_le16 path2_len;  /*  38 */
	izo_le32 data_len;   /*  40 */
	izo_le32 valid;      /*  44 IZO_ATTR_* */
	izo_le64 time_ns;    /*  48 when it was journaled, ns since the epoch */
	struct izo_kml_version versions[IZO_V_SLOTS]; /* 56 */
	izo_le32 mode;       /* 168 file type and permission bits */
	izo_le32 attr_uid;   /* 172 owner set by SETATTR */
	izo_le32 attr_gid;   /* 176 group set by SETATTR */
	izo_le32 reserved;   /* 180 zero */
	izo_le64 size;       /* 184 SETATTR truncate / CLOSE size */
	izo_le64 atime_ns;   /* 192 */
	izo_le64 mtime_ns;   /* 200 */
	izo_le64 rdev;       /* 208 MKNOD device number (Linux encoding) */
	izo_le64 origin;     /* 216 the host whose update this is */
	izo_le64 origin_recno; /* 224 its record number in the origin's KML */
};                           /* 232 */

struct izo_kml_tail {
	izo_le32 crc32c;     /* CRC-32C of the record up to this tail */
	izo_le32 len;        /* equals head.len */
};

#define IZO_KML_HEAD_SIZE 232u
#define IZO_KML_TAIL_SIZE 8u
#define IZO_KML_MIN_LEN (IZO_KML_HEAD_SIZE + IZO_KML_TAIL_SIZE)
#define IZO_KML_MAX_LEN \
	(IZO_KML_HEAD_SIZE + 2u * IZO_KML_MAX_PATH + IZO_KML_MAX_DATA + \
	 IZO_KML_ALIGN + IZO_KML_TAIL_SIZE)

/* The size of a record whose variable part holds n bytes. */
#define IZO_KML_RECORD_LEN(n) \
	(IZO_KML_HEAD_SIZE + (((n) + IZO_KML_ALIGN - 1u) & ~(IZO_KML_ALIGN - 1u)) + \
	 IZO_KML_TAIL_SIZE)

#ifdef __cplusplus
static_assert(sizeof(struct izo_kml_version) == 16, "izo_kml_version layout");
static_assert(sizeof(struct izo_kml_head) == IZO_KML_HEAD_SIZE, "izo_kml_head layout");
static_assert(offsetof(struct izo_kml_head, versions) == 56, "izo_kml_head layout");
static_assert(offsetof(struct izo_kml_head, mode) == 168, "izo_kml_head layout");
static_assert(offsetof(struct izo_kml_head, rdev) == 208, "izo_kml_head layout");
static_assert(offsetof(struct izo_kml_head, origin) == 216, "izo_kml_head layout");
static_assert(sizeof(struct izo_kml_tail) == IZO_KML_TAIL_SIZE, "izo_kml_tail layout");
#elif defined(__KERNEL__)
/* The module checks the same layout with BUILD_BUG_ON in its init. */
#else
_Static_assert(sizeof(struct izo_kml_head) == IZO_KML_HEAD_SIZE, "izo_kml_head layout");
_Static_assert(sizeof(struct izo_kml_tail) == IZO_KML_TAIL_SIZE, "izo_kml_tail layout");
#endif

#endif /* IZO_KML_FORMAT_H */
