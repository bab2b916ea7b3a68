// SPDX-License-Identifier: GPL-2.0-only
/*
 * record.c - what goes into a record: the fileset-relative path, the writer,
 * the versions before and after, the attributes of a new object; and the
 * version stamp (trusted.izo.version, 16 bytes: host then seq, little-endian)
 * kept on every object of the holding tree that the filter changed.
 */
#include <linux/cred.h>
#include <linux/kdev_t.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "izo.h"

struct izo_version izo_version_of(struct dentry *lower)
{
	struct izo_version v = { 0, 0 };
	__le64 raw[2];
	ssize_t n;

	if (!lower || d_is_negative(lower))
		return v;
	n = __vfs_getxattr(lower, d_inode(lower), IZO_VERSION_XATTR, raw, sizeof(raw));
	if (n == sizeof(raw)) {
		v.host = le64_to_cpu(raw[0]);
		v.seq = le64_to_cpu(raw[1]);
	}
	return v;
}

int izo_stamp(struct izo_sb_info *sbi, struct dentry *lower, struct izo_version v)
{
	__le64 raw[2] = { cpu_to_le64(v.host), cpu_to_le64(v.seq) };
	struct inode *inode = d_inode(lower);
	int err;

	inode_lock(inode);
	err = __vfs_setxattr(mnt_user_ns(sbi->lower_root.mnt), lower, inode, IZO_VERSION_XATTR,
			     raw, sizeof(raw), 0);
	inode_unlock(inode);
	return err;
}

char *izo_rel_path(struct dentry *dentry, char *buf, int buflen, size_t *len)
{
	char *p = dentry_path_raw(dentry, buf, buflen);

	if (IS_ERR(p))
		return p;
	while (*p == '/')
		p++;
	*len = strlen(p);
	if (*len > IZO_KML_MAX_PATH)
		return ERR_PTR(-ENAMETOOLONG);
	return p;
}

bool izo_is_private_name(struct dentry *parent, const struct qstr *name)
{
	return IS_ROOT(parent) && name->len == sizeof(IZO_META_DIR) - 1 &&
	       !memcmp(name->name, IZO_META_DIR, name->len);
}

void izo_record_init(struct izo_record *r, u16 opcode)
{
	memset(r, 0, sizeof(*r));
	r->opcode = opcode;
	r->writer_uid = from_kuid(&init_user_ns, current_fsuid());
	r->writer_gid = from_kgid(&init_user_ns, current_fsgid());
}

int izo_record_start(struct izo_record *r, u16 opcode, struct dentry *dentry, char **buf)
{
	char *path;

	izo_record_init(r, opcode);
	*buf = kmalloc(IZO_PATH_BUF, GFP_KERNEL);
	if (!*buf)
		return -ENOMEM;
	path = izo_rel_path(dentry, *buf, IZO_PATH_BUF, &r->path_len);
	if (IS_ERR(path)) {
		kfree(*buf);
		*buf = NULL;
		return PTR_ERR(path);
	}
	r->path = path;
	return 0;
}

int izo_update_begin(struct izo_sb_info *sbi)
{
	int permit = izo_begin_update(sbi);
	int err;

	if (permit < 0)
		return permit;
	err = mnt_want_write(sbi->lower_root.mnt);
	if (err) {
		izo_end_update(sbi, permit);
		return err;
	}
	mutex_lock(&sbi->update_lock);
	return permit;
}

void izo_update_end(struct izo_sb_info *sbi, int token)
{
	mutex_unlock(&sbi->update_lock);
	mnt_drop_write(sbi->lower_root.mnt);
	izo_end_update(sbi, token);
}

static void izo_set_slot(struct izo_record *r, int slot, struct izo_version v)
{
	r->v[slot].host = v.host;
	r->v[slot].seq = v.seq;
}

void izo_record_parents(struct izo_record *r, struct dentry *lower_parent,
			struct dentry *lower_parent2)
{
	struct izo_version v = izo_version_of(lower_parent);

	izo_set_slot(r, IZO_V_PARENT_OLD, v);
	izo_set_slot(r, IZO_V_PARENT_NEW, v);
	if (lower_parent2) {
		v = izo_version_of(lower_parent2);
		izo_set_slot(r, IZO_V_TPARENT_OLD, v);
		izo_set_slot(r, IZO_V_TPARENT_NEW, v);
	}
}

void izo_record_describe_new(struct izo_record *r, struct inode *lower)
{
	r->valid = IZO_ATTR_MODE | IZO_ATTR_UID | IZO_ATTR_GID;
	r->mode = lower->i_mode;
	r->attr_uid = from_kuid(&init_user_ns, lower->i_uid);
	r->attr_gid = from_kgid(&init_user_ns, lower->i_gid);
	if (S_ISCHR(lower->i_mode) || S_ISBLK(lower->i_mode))
		r->rdev = new_encode_dev(lower->i_rdev);
	r->writer_uid = r->attr_uid;
	r->writer_gid = r->attr_gid;
}

struct izo_version izo_next_version(struct izo_sb_info *sbi)
{
	struct izo_version v = { sbi->host, sbi->kml.last_recno + 1 };

	return v;
}

void izo_record_versions(struct izo_record *r, struct izo_version old, struct izo_version new)
{
	izo_set_slot(r, IZO_V_OBJ_OLD, old);
	izo_set_slot(r, IZO_V_OBJ_NEW, new);
}

int izo_journal(struct izo_sb_info *sbi, struct izo_record *r, struct dentry *stamp)
{
	struct izo_version v = { r->v[IZO_V_OBJ_NEW].host, r->v[IZO_V_OBJ_NEW].seq };
	s64 recno;

	if (izo_current_is_lento(sbi))
		return 0; /* ISLENTO: Lento's own updates pass unjournaled */
	if (v.seq && stamp && d_really_is_positive(stamp)) {
		int err = izo_stamp(sbi, stamp, v);

		if (err)
			pr_warn(IZO_FS_NAME ": %s: %.*s: cannot stamp version (%d)\n", sbi->fileset,
				(int)r->path_len, r->path, err);
	}
	recno = izo_kml_append(&sbi->kml, sbi->host, r);
	return recno < 0 ? (int)recno : 0;
}
