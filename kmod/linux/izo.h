/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * izo.h - Presto for Linux: the declarations shared by the module's files.
 *
 * The filesystem type "intermezzo" wraps a directory (the holding tree, on
 * ext4) and passes every access to it. Every update made through the mount is
 * journaled into HOLDING/.intermezzo/<fileset>/kml with the record layout of
 * protocol/include/izo/kml_format.h, the same bytes presto-fuse writes for the
 * same operation (kmod/fuse/README.md is the behaviour matched).
 */
#ifndef IZO_H
#define IZO_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/workqueue.h>

#include "kml_format.h"

#define IZO_FS_NAME "intermezzo"
#define IZO_META_DIR ".intermezzo"
#define IZO_VERSION_XATTR "trusted.izo.version"
#define IZO_PRIVATE_PREFIX "trusted.izo."

struct izo_version {
	u64 host, seq;
};

/* ---- the journal (kml.c) ---------------------------------------------------- */

enum izo_sync_policy {
	IZO_SYNC_GROUP = 0,  /* at most 64 records or 5 ms unsynced */
	IZO_SYNC_ALWAYS,     /* after every record */
	IZO_SYNC_OFF,        /* only at fsync and unmount */
};

struct izo_kml {
	struct file *file;
	loff_t end;              /* offset after the last whole record */
	u64 last_recno;          /* the last record appended */
	u64 durable_recno;       /* the last record known durable */
	unsigned int pending;    /* records appended since the last sync */
	enum izo_sync_policy policy;
	struct mutex sync_lock;  /* one sync at a time; guards durable_recno */
	struct delayed_work commit;
	void *buf;               /* one encoded record (IZO_KML_MAX_LEN) */
	void (*on_durable)(struct izo_kml *kml, u64 recno); /* the durable end moved */
};

/* The CPU-endian form of a record the filter is about to append. */
struct izo_record {
	u16 opcode;
	u32 flags;
	u32 valid;
	u32 writer_uid, writer_gid;
	u32 mode, attr_uid, attr_gid;
	u64 size, atime_ns, mtime_ns, rdev;
	struct { u64 host, seq; } v[IZO_V_SLOTS];
	const char *path;   /* fileset-relative, no leading '/' */
	size_t path_len;
	const char *path2;
	size_t path2_len;
	const void *data;
	size_t data_len;
};

int izo_kml_open(struct izo_kml *kml, const struct path *lower_root,
		 const char *fileset, enum izo_sync_policy policy);
void izo_kml_close(struct izo_kml *kml);
/* Appends under the caller's update lock; returns the record's number or an errno. */
s64 izo_kml_append(struct izo_kml *kml, u64 host, const struct izo_record *r);
/*
 * Appends a record Lento made (JOURNAL): checked for framing and checksum,
 * numbered as the next record, its origin kept when set, else this host's.
 */
s64 izo_kml_append_raw(struct izo_kml *kml, u64 host, const u8 *bytes, size_t len);
/* Everything appended so far is durable when this returns 0. */
int izo_kml_sync(struct izo_kml *kml);

/* ---- the mount (super.c) ---------------------------------------------------- */

struct izo_channel;

struct izo_sb_info {
	struct path lower_root;
	struct izo_channel *channel;  /* the upcall device (prestodev=), or NULL: journaling only */
	char *fileset;
	u64 host;                     /* stamps versions: FNV-1a of host=NAME, or hostid=N */
	struct izo_kml kml;
	struct mutex update_lock;     /* an update and its record, one at a time */
	const struct cred *kcred;     /* stamps versions, writes the KML */
};

static inline struct izo_sb_info *izo_sb(const struct super_block *sb)
{
	return sb->s_fs_info;
}

/* ---- the upcall device (device.c) ------------------------------------------------ */

struct izo_channel {
	struct izo_sb_info *sbi;
	struct izo_device *dev;
	struct list_head link;        /* in the device's mounts */
	struct pid *lento;            /* the attached Lento's thread group, or NULL */
	struct file *lento_file;      /* the device file it attached through */
	bool permit;                  /* held for this host's updates */
	bool revoking;                /* asked back: no new update until returned */
	int in_progress;              /* updates holding the permit now */
	u64 next_id;
	int busy;                     /* JOURNAL/SYNC running without the device lock */
	struct list_head waiters;     /* requests waiting for replies */
	wait_queue_head_t changed;
};

int izo_devices_init(void);
void izo_devices_exit(void);
int izo_channel_bind(struct izo_sb_info *sbi, const char *devpath);
void izo_channel_unbind(struct izo_sb_info *sbi);
/* Whether the calling process is the fileset's attached Lento (ISLENTO). */
bool izo_current_is_lento(struct izo_sb_info *sbi);
/*
 * Before an update: 0 (no device, or Lento itself: nothing to pair), 1 (the
 * permit is held: pair with izo_end_update), or -EROFS/-EINTR.
 */
int izo_begin_update(struct izo_sb_info *sbi);
void izo_end_update(struct izo_sb_info *sbi, int counted);
/* The content at path is missing: asks Lento and waits; 0 or the errno. */
int izo_fetch(struct izo_sb_info *sbi, const char *path, size_t path_len, struct izo_version v);
void izo_kml_written(struct izo_sb_info *sbi, u64 recno);

/* ---- objects (inode.c, dentry.c) -------------------------------------------- */

/* The wrapped inode of an upper inode (held for the inode's life). */
static inline struct inode *izo_lower_inode(const struct inode *inode)
{
	return inode->i_private;
}

struct izo_dentry_info {
	struct path lower;  /* lower.dentry NULL: a name in the hidden metadata folder */
};

static inline struct izo_dentry_info *izo_di(const struct dentry *d)
{
	return d->d_fsdata;
}

static inline struct dentry *izo_lower_dentry(const struct dentry *d)
{
	return izo_di(d)->lower.dentry;
}

extern const struct dentry_operations izo_dentry_ops;
int izo_set_lower(struct dentry *dentry, const struct path *lower);
struct inode *izo_iget(struct super_block *sb, struct inode *lower);
void izo_copy_attrs(struct inode *inode);

extern const struct inode_operations izo_dir_iops;
extern const struct inode_operations izo_file_iops;
extern const struct inode_operations izo_symlink_iops;
extern const struct inode_operations izo_special_iops;
extern const struct file_operations izo_file_fops;
extern const struct file_operations izo_dir_fops;
extern const struct xattr_handler *izo_xattr_handlers[];

struct dentry *izo_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags);
int izo_create(struct user_namespace *ns, struct inode *dir, struct dentry *dentry,
	       umode_t mode, bool excl);
int izo_mkdir(struct user_namespace *ns, struct inode *dir, struct dentry *dentry, umode_t mode);
int izo_mknod(struct user_namespace *ns, struct inode *dir, struct dentry *dentry,
	      umode_t mode, dev_t rdev);
int izo_symlink(struct user_namespace *ns, struct inode *dir, struct dentry *dentry,
		const char *target);
int izo_link(struct dentry *old, struct inode *dir, struct dentry *new);
int izo_unlink(struct inode *dir, struct dentry *dentry);
int izo_rmdir(struct inode *dir, struct dentry *dentry);
int izo_rename(struct user_namespace *ns, struct inode *old_dir, struct dentry *old,
	       struct inode *new_dir, struct dentry *new, unsigned int flags);
int izo_getattr(struct user_namespace *ns, const struct path *path, struct kstat *stat,
		u32 mask, unsigned int flags);
int izo_setattr(struct user_namespace *ns, struct dentry *dentry, struct iattr *ia);
ssize_t izo_listxattr(struct dentry *dentry, char *list, size_t size);

/* ---- versions and records (version.c, record.c) ----------------------------- */

/* The version stamped on a lower object ({0, 0}: none). */
struct izo_version izo_version_of(struct dentry *lower);
int izo_stamp(struct izo_sb_info *sbi, struct dentry *lower, struct izo_version v);

/* Room for a record's path as dentry_path_raw writes it (a leading '/', a NUL). */
#define IZO_PATH_BUF (IZO_KML_MAX_PATH + 2)
/* The fileset-relative path of an upper dentry, in buf (no leading '/'). */
char *izo_rel_path(struct dentry *dentry, char *buf, int buflen, size_t *len);
bool izo_is_private_name(struct dentry *parent, const struct qstr *name);

/* A record of `opcode` by the calling process; paths and versions by the caller. */
void izo_record_init(struct izo_record *r, u16 opcode);
/*
 * izo_record_init, and the record's path is `dentry`'s, held in *buf (IZO_PATH_BUF
 * bytes, the caller kfrees it). 0, or an errno and *buf NULL.
 */
int izo_record_start(struct izo_record *r, u16 opcode, struct dentry *dentry, char **buf);
/*
 * One update through the mount: the permit first (it may wait for Lento), then
 * write access to the holding tree, then the update lock, never in another
 * order (an update waiting for the permit must not hold what Lento's JOURNAL
 * needs). Returns the token for izo_update_end, or an errno (nothing held).
 */
int izo_update_begin(struct izo_sb_info *sbi);
void izo_update_end(struct izo_sb_info *sbi, int token);
/* The parent versions (unchanged by entry operations) of path, and of path2. */
void izo_record_parents(struct izo_record *r, struct dentry *lower_parent,
			struct dentry *lower_parent2);
/* The mode, owner (and rdev) of a new object, as create/mkdir/... carry them. */
void izo_record_describe_new(struct izo_record *r, struct inode *lower);
/* The next version the journal gives, as obj_new. */
struct izo_version izo_next_version(struct izo_sb_info *sbi);
void izo_record_versions(struct izo_record *r, struct izo_version old, struct izo_version new);
/*
 * Stamps `stamp` (the changed lower object, may be NULL) with obj_new, then
 * appends the record. Called with the update lock held. A failed stamp is
 * logged; the update stands and its record is written.
 */
int izo_journal(struct izo_sb_info *sbi, struct izo_record *r, struct dentry *stamp);

/* ---- files (file.c) ---------------------------------------------------------- */

struct izo_file_info {
	struct file *lower;
	atomic_t written;   /* its flush journals a close record (files only) */
};

static inline struct izo_file_info *izo_fi(const struct file *f)
{
	return f->private_data;
}

/* Opens the lower file of an open file or directory (its izo_file_info). */
int izo_open_lower(struct file *file, int flags);
void izo_release_lower(struct file *file);
/* Seek and fsync (the KML first) on the lower file: files and directories alike. */
loff_t izo_llseek(struct file *file, loff_t offset, int whence);
int izo_fsync(struct file *file, loff_t start, loff_t end, int datasync);

#endif /* IZO_H */
