// SPDX-License-Identifier: GPL-2.0-only
/*
 * setattr.c - chmod, chown, truncate and utimens, each journaled as its own
 * setattr record, in that order, exactly as presto-fuse journals the same
 * request (libfuse splits one setattr into those calls):
 *
 *   mode            -> valid MODE
 *   owner or group  -> valid MODE|UID|GID (the mode goes along: chown may clear set-ID bits)
 *   size            -> valid SIZE|MTIME (the times that come with a truncate go with it)
 *   atime or mtime  -> valid ATIME|MTIME, those asked
 *
 * A truncate that comes with an open (O_TRUNC) is not journaled on its own:
 * the file's close record carries its new content.
 */
#include <linux/fs_stack.h>
#include <linux/mount.h>

#include "izo.h"

/* A setattr record of the lower object's attributes as they are now. */
static int izo_journal_attrs(struct izo_sb_info *sbi, struct dentry *dentry,
			     struct dentry *lower, u32 valid, struct izo_version before)
{
	struct inode *li = d_inode(lower);
	struct izo_record r;
	char *buf;
	int err = izo_record_start(&r, IZO_KML_SETATTR, dentry, &buf);

	if (err)
		return err;
	r.valid = valid;
	r.mode = li->i_mode;
	r.attr_uid = from_kuid(&init_user_ns, li->i_uid);
	r.attr_gid = from_kgid(&init_user_ns, li->i_gid);
	r.size = i_size_read(li);
	r.atime_ns = timespec64_to_ns(&li->i_atime);
	r.mtime_ns = timespec64_to_ns(&li->i_mtime);
	izo_record_versions(&r, before, izo_next_version(sbi));
	err = izo_journal(sbi, &r, lower);
	kfree(buf);
	return err;
}

/* One part of the request made on the lower object, then journaled. */
static int izo_setattr_part(struct izo_sb_info *sbi, struct dentry *dentry, struct dentry *lower,
			    struct iattr *part, u32 journal_valid)
{
	struct inode *li = d_inode(lower);
	struct izo_version before = izo_version_of(lower);
	int err;

	part->ia_valid |= ATTR_CTIME;
	inode_lock(li);
	err = notify_change(mnt_user_ns(sbi->lower_root.mnt), lower, part, NULL);
	inode_unlock(li);
	if (err || !journal_valid)
		return err;
	return izo_journal_attrs(sbi, dentry, lower, journal_valid, before);
}

int izo_setattr(struct user_namespace *ns, struct dentry *dentry, struct iattr *ia)
{
	struct izo_sb_info *sbi = izo_sb(dentry->d_sb);
	struct dentry *lower = izo_lower_dentry(dentry);
	unsigned int valid = ia->ia_valid;
	struct file *lower_file = NULL;
	struct iattr part;
	int update, err;

	err = setattr_prepare(ns, dentry, ia);
	if (err)
		return err;
	if (valid & ATTR_FILE)
		lower_file = izo_fi(ia->ia_file)->lower;
	update = izo_update_begin(sbi);
	if (update < 0)
		return update;
	err = 0;

	if ((valid & ATTR_MODE) && !(valid & (ATTR_KILL_SUID | ATTR_KILL_SGID))) {
		part = (struct iattr){ .ia_valid = ATTR_MODE, .ia_mode = ia->ia_mode };
		err = izo_setattr_part(sbi, dentry, lower, &part, IZO_ATTR_MODE);
	}
	if (!err && (valid & (ATTR_UID | ATTR_GID))) {
		u32 jv = IZO_ATTR_MODE;

		part = (struct iattr){ .ia_valid = valid & (ATTR_UID | ATTR_GID | ATTR_KILL_SUID |
							  ATTR_KILL_SGID | ATTR_KILL_PRIV),
				       .ia_uid = ia->ia_uid, .ia_gid = ia->ia_gid };
		if (valid & ATTR_UID)
			jv |= IZO_ATTR_UID;
		if (valid & ATTR_GID)
			jv |= IZO_ATTR_GID;
		err = izo_setattr_part(sbi, dentry, lower, &part, jv);
	}
	if (!err && (valid & ATTR_SIZE)) {
		bool at_open = valid & ATTR_OPEN;

		part = (struct iattr){ .ia_valid = valid & (ATTR_SIZE | ATTR_MTIME | ATTR_ATIME |
							  ATTR_MTIME_SET | ATTR_ATIME_SET |
							  ATTR_OPEN | ATTR_FILE | ATTR_KILL_PRIV),
				       .ia_size = ia->ia_size, .ia_atime = ia->ia_atime,
				       .ia_mtime = ia->ia_mtime, .ia_file = lower_file };
		if (!lower_file)
			part.ia_valid &= ~ATTR_FILE;
		err = izo_setattr_part(sbi, dentry, lower, &part,
				       at_open ? 0 : IZO_ATTR_SIZE | IZO_ATTR_MTIME);
		if (!err && at_open && (valid & ATTR_FILE))
			atomic_set(&izo_fi(ia->ia_file)->written, 1);
	} else if (!err && (valid & (ATTR_ATIME | ATTR_MTIME))) {
		u32 jv = 0;

		part = (struct iattr){ .ia_valid = valid & (ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET |
							  ATTR_MTIME_SET | ATTR_TOUCH),
				       .ia_atime = ia->ia_atime, .ia_mtime = ia->ia_mtime };
		if (valid & ATTR_ATIME)
			jv |= IZO_ATTR_ATIME;
		if (valid & ATTR_MTIME)
			jv |= IZO_ATTR_MTIME;
		err = izo_setattr_part(sbi, dentry, lower, &part, jv);
	}

	izo_update_end(sbi, update);
	izo_copy_attrs(d_inode(dentry));
	return err;
}
