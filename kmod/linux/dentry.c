// SPDX-License-Identifier: GPL-2.0-only
/*
 * dentry.c - each name of the mount holds the holding tree's dentry for it.
 *
 * Lento changes the holding tree directly (never through the mount), so a
 * name is revalidated against the lower dentry on every lookup: it stands
 * only while the lower dentry is hashed, under the same parent, and names
 * the same object (or still nothing).
 */
#include <linux/namei.h>
#include <linux/slab.h>

#include "izo.h"

int izo_set_lower(struct dentry *dentry, const struct path *lower)
{
	struct izo_dentry_info *di = izo_di(dentry);

	if (!di) {
		di = kzalloc(sizeof(*di), GFP_KERNEL);
		if (!di)
			return -ENOMEM;
		dentry->d_fsdata = di;
	}
	path_get(lower);
	path_put(&di->lower);
	di->lower = *lower;
	return 0;
}

static int izo_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct izo_dentry_info *di = izo_di(dentry);
	struct dentry *lower, *parent;
	struct inode *inode;
	int valid = 1;

	if (flags & LOOKUP_RCU)
		return -ECHILD;
	if (!di || !di->lower.dentry)
		return di ? 1 : 0; /* a name inside the metadata folder stays hidden */
	lower = di->lower.dentry;
	if (lower->d_flags & DCACHE_OP_REVALIDATE) {
		valid = lower->d_op->d_revalidate(lower, flags);
		if (valid <= 0)
			return valid;
	}
	if (d_unhashed(lower))
		return 0;
	parent = dget_parent(dentry);
	if (parent != dentry && izo_di(parent) && lower->d_parent != izo_lower_dentry(parent))
		valid = 0;
	dput(parent);
	if (!valid)
		return 0;
	inode = d_inode(dentry);
	if (!inode)
		return d_is_negative(lower);
	if (d_is_negative(lower) || d_inode(lower) != izo_lower_inode(inode))
		return 0;
	izo_copy_attrs(inode);
	return 1;
}

static void izo_d_release(struct dentry *dentry)
{
	struct izo_dentry_info *di = izo_di(dentry);

	if (!di)
		return;
	path_put(&di->lower);
	kfree(di);
	dentry->d_fsdata = NULL;
}

const struct dentry_operations izo_dentry_ops = {
	.d_revalidate = izo_d_revalidate,
	.d_release = izo_d_release,
};
