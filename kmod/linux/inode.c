// SPDX-License-Identifier: GPL-2.0-only
/*
 * inode.c - each inode of the mount stands for one inode of the holding tree
 * (found by iget5 on the lower inode), whose attributes it mirrors.
 */
#include <linux/fs_stack.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "izo.h"

static int izo_inode_test(struct inode *inode, void *lower)
{
	return inode->i_private == lower;
}

static int izo_inode_set(struct inode *inode, void *lower)
{
	inode->i_private = lower; /* the reference izo_iget took */
	return 0;
}

void izo_copy_attrs(struct inode *inode)
{
	struct inode *lower = izo_lower_inode(inode);

	fsstack_copy_attr_all(inode, lower);
	fsstack_copy_inode_size(inode, lower);
}

struct inode *izo_iget(struct super_block *sb, struct inode *lower)
{
	struct inode *inode;

	if (!igrab(lower))
		return ERR_PTR(-ESTALE);
	inode = iget5_locked(sb, lower->i_ino, izo_inode_test, izo_inode_set, lower);
	if (!inode) {
		iput(lower);
		return ERR_PTR(-ENOMEM);
	}
	if (!(inode->i_state & I_NEW)) {
		iput(lower); /* the existing inode holds its own */
		return inode;
	}
	inode->i_ino = lower->i_ino;
	inode->i_generation = lower->i_generation;
	switch (lower->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &izo_dir_iops;
		inode->i_fop = &izo_dir_fops;
		break;
	case S_IFREG:
		inode->i_op = &izo_file_iops;
		inode->i_fop = &izo_file_fops;
		break;
	case S_IFLNK:
		inode->i_op = &izo_symlink_iops;
		break;
	default:
		inode->i_op = &izo_special_iops;
		init_special_inode(inode, lower->i_mode, lower->i_rdev);
	}
	izo_copy_attrs(inode);
	unlock_new_inode(inode);
	return inode;
}

int izo_getattr(struct user_namespace *ns, const struct path *path, struct kstat *stat,
		u32 mask, unsigned int flags)
{
	struct izo_dentry_info *di = izo_di(path->dentry);
	int err = vfs_getattr(&di->lower, stat, mask, flags);

	if (!err) {
		stat->dev = path->dentry->d_sb->s_dev;
		izo_copy_attrs(d_inode(path->dentry));
	}
	return err;
}

static int izo_permission(struct user_namespace *ns, struct inode *inode, int mask)
{
	struct inode *lower = izo_lower_inode(inode);

	return inode_permission(&init_user_ns, lower, mask);
}

static const char *izo_get_link(struct dentry *dentry, struct inode *inode,
				struct delayed_call *done)
{
	if (!dentry)
		return ERR_PTR(-ECHILD);
	return vfs_get_link(izo_lower_dentry(dentry), done);
}

/* The lower names less the filter's private ones, which only root could list. */
ssize_t izo_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct dentry *lower = izo_lower_dentry(dentry);
	ssize_t n = vfs_listxattr(lower, NULL, 0);
	size_t at, out = 0;
	char *names;

	if (n <= 0 || izo_current_is_lento(izo_sb(dentry->d_sb)))
		return n <= 0 ? n : vfs_listxattr(lower, list, size); /* Lento sees its own */
	names = kvmalloc(n, GFP_KERNEL);
	if (!names)
		return -ENOMEM;
	n = vfs_listxattr(lower, names, n);
	for (at = 0; n > 0 && at < (size_t)n;) {
		size_t len = strnlen(names + at, n - at) + 1;

		if (strncmp(names + at, IZO_PRIVATE_PREFIX, sizeof(IZO_PRIVATE_PREFIX) - 1)) {
			if (size && out + len > size) {
				n = -ERANGE;
				break;
			}
			if (size)
				memcpy(list + out, names + at, len);
			out += len;
		}
		at += len;
	}
	kvfree(names);
	return n < 0 ? n : (ssize_t)out;
}

const struct inode_operations izo_dir_iops = {
	.lookup = izo_lookup,
	.create = izo_create,
	.mkdir = izo_mkdir,
	.mknod = izo_mknod,
	.symlink = izo_symlink,
	.link = izo_link,
	.unlink = izo_unlink,
	.rmdir = izo_rmdir,
	.rename = izo_rename,
	.permission = izo_permission,
	.getattr = izo_getattr,
	.setattr = izo_setattr,
	.listxattr = izo_listxattr,
};

const struct inode_operations izo_file_iops = {
	.permission = izo_permission,
	.getattr = izo_getattr,
	.setattr = izo_setattr,
	.listxattr = izo_listxattr,
};

const struct inode_operations izo_symlink_iops = {
	.get_link = izo_get_link,
	.permission = izo_permission,
	.getattr = izo_getattr,
	.setattr = izo_setattr,
	.listxattr = izo_listxattr,
};

const struct inode_operations izo_special_iops = {
	.permission = izo_permission,
	.getattr = izo_getattr,
	.setattr = izo_setattr,
	.listxattr = izo_listxattr,
};
