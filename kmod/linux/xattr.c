// SPDX-License-Identifier: GPL-2.0-only
/*
 * xattr.c - extended attributes pass to the holding tree; setxattr and
 * removexattr are journaled (setxattr, delxattr). The filter's own names
 * (trusted.izo.*) do not exist through the mount: reading one gives
 * ENODATA, setting one EPERM, removing one ENODATA.
 */
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "izo.h"

static bool izo_private_xattr(const char *name)
{
	return !strncmp(name, IZO_PRIVATE_PREFIX, sizeof(IZO_PRIVATE_PREFIX) - 1);
}

static int izo_xattr_get(const struct xattr_handler *handler, struct dentry *dentry,
			 struct inode *inode, const char *name, void *value, size_t size)
{
	struct izo_sb_info *sbi = izo_sb(inode->i_sb);
	struct dentry *lower = dentry ? izo_lower_dentry(dentry) : NULL;

	if (!lower)
		return -ECHILD;
	if (izo_private_xattr(name) && !izo_current_is_lento(sbi))
		return -ENODATA;
	return vfs_getxattr(mnt_user_ns(sbi->lower_root.mnt), lower, name, value, size);
}

static int izo_xattr_set(const struct xattr_handler *handler, struct user_namespace *ns,
			 struct dentry *dentry, struct inode *inode, const char *name,
			 const void *value, size_t size, int flags)
{
	struct izo_sb_info *sbi = izo_sb(inode->i_sb);
	struct user_namespace *lower_ns = mnt_user_ns(sbi->lower_root.mnt);
	struct dentry *lower = izo_lower_dentry(dentry);
	struct izo_record r;
	char *buf;
	int update, err;

	if (izo_private_xattr(name) && !izo_current_is_lento(sbi))
		return value ? -EPERM : -ENODATA;
	err = izo_record_start(&r, value ? IZO_KML_SETXATTR : IZO_KML_DELXATTR, dentry, &buf);
	if (err)
		return err;
	r.path2 = name;
	r.path2_len = strlen(name);
	if (value) {
		r.data = value;
		r.data_len = size;
		r.flags = flags == XATTR_CREATE ? IZO_KML_FLAG_XATTR_CREATE :
			  flags == XATTR_REPLACE ? IZO_KML_FLAG_XATTR_REPLACE : 0;
	}
	update = izo_update_begin(sbi);
	if (update < 0) {
		err = update;
		goto free;
	}
	/* The VFS holds the mount's inode; the lower one is locked by vfs_*xattr. */
	izo_record_versions(&r, izo_version_of(lower), (struct izo_version){ 0, 0 });
	if (value)
		err = vfs_setxattr(lower_ns, lower, name, value, size, flags);
	else
		err = vfs_removexattr(lower_ns, lower, name);
	if (!err) {
		r.v[IZO_V_OBJ_NEW].host = sbi->host;
		r.v[IZO_V_OBJ_NEW].seq = izo_next_version(sbi).seq;
		err = izo_journal(sbi, &r, lower);
	}
	izo_update_end(sbi, update);
	izo_copy_attrs(inode);
free:
	kfree(buf);
	return err;
}

/* Every name, whatever its namespace: the lower filesystem decides. */
static const struct xattr_handler izo_xattr_any = {
	.prefix = "",
	.get = izo_xattr_get,
	.set = izo_xattr_set,
};

const struct xattr_handler *izo_xattr_handlers[] = {
	&izo_xattr_any,
	NULL,
};
