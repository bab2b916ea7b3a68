// SPDX-License-Identifier: GPL-2.0-only
/*
 * namei.c - lookup and the entry operations (create, mkdir, mknod, symlink,
 * link, unlink, rmdir, rename), each made in the holding tree and journaled
 * as one record under the update lock, as presto-fuse does.
 *
 * Lock order: the VFS's locks on the mount's directories, then the update
 * lock, then the holding tree's directory locks (lower parent, then child).
 * The lower child is looked up again under its parent's lock, because Lento
 * may have changed the holding tree since the mount's lookup.
 */
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "izo.h"

struct dentry *izo_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags)
{
	struct izo_dentry_info *pdi = izo_di(dentry->d_parent);
	struct path lower_path = { .mnt = pdi->lower.mnt };
	struct inode *inode = NULL;
	struct dentry *lower;
	int err;

	if (izo_is_private_name(dentry->d_parent, &dentry->d_name)) {
		/* The metadata folder does not exist through the mount. */
		struct path none = {};

		err = izo_set_lower(dentry, &none);
		return err ? ERR_PTR(err) : d_splice_alias(NULL, dentry);
	}
	lower = lookup_one_len_unlocked(dentry->d_name.name, pdi->lower.dentry, dentry->d_name.len);
	if (IS_ERR(lower))
		return ERR_CAST(lower);
	lower_path.dentry = lower;
	err = izo_set_lower(dentry, &lower_path);
	if (!err && d_really_is_positive(lower)) {
		inode = izo_iget(dir->i_sb, d_inode(lower));
		if (IS_ERR(inode))
			err = PTR_ERR(inode);
	}
	dput(lower);
	if (err)
		return ERR_PTR(err);
	return d_splice_alias(inode, dentry);
}

/*
 * The state of one entry operation: its paths, its record, the lower parent
 * locked and the lower child found again under that lock.
 */
struct izo_entry_op {
	struct izo_sb_info *sbi;
	struct user_namespace *lower_ns;
	char *buf;
	struct izo_record r;
	struct dentry *lower_parent;
	struct dentry *lower;
	int update;   /* izo_update_begin's token */
};

/* What an entry operation needs at the lower name before it goes on. */
enum izo_lower_want { IZO_LOWER_ANY, IZO_LOWER_ABSENT, IZO_LOWER_PRESENT };

static int izo_entry_begin(struct izo_entry_op *op, struct dentry *dentry, u16 opcode,
			   enum izo_lower_want want)
{
	int err;

	memset(op, 0, sizeof(*op));
	op->sbi = izo_sb(dentry->d_sb);
	op->lower_ns = mnt_user_ns(op->sbi->lower_root.mnt);
	if (!izo_lower_dentry(dentry))
		return -EPERM; /* inside the metadata folder */
	err = izo_record_start(&op->r, opcode, dentry, &op->buf);
	if (err)
		return err;
	op->update = izo_update_begin(op->sbi);
	if (op->update < 0) {
		kfree(op->buf);
		op->buf = NULL;
		return op->update;
	}
	op->lower_parent = izo_lower_dentry(dentry->d_parent);
	inode_lock_nested(d_inode(op->lower_parent), I_MUTEX_PARENT);
	op->lower = lookup_one_len(dentry->d_name.name, op->lower_parent, dentry->d_name.len);
	if (IS_ERR(op->lower)) {
		err = PTR_ERR(op->lower);
		op->lower = NULL;
		return err;
	}
	if (want == IZO_LOWER_ABSENT && d_really_is_positive(op->lower))
		return -EEXIST;
	if (want == IZO_LOWER_PRESENT && d_really_is_negative(op->lower))
		return -ENOENT;
	return 0;
}

static void izo_entry_end(struct izo_entry_op *op, struct inode *dir)
{
	if (op->lower_parent) {
		dput(op->lower);
		inode_unlock(d_inode(op->lower_parent));
		izo_update_end(op->sbi, op->update);
		izo_copy_attrs(dir);
	}
	kfree(op->buf);
}

/* The mount's dentry now stands for the lower child just made. */
static int izo_instantiate(struct izo_entry_op *op, struct dentry *dentry)
{
	struct path lower_path = { .mnt = op->sbi->lower_root.mnt, .dentry = op->lower };
	struct inode *inode;
	int err = izo_set_lower(dentry, &lower_path);

	if (err)
		return err;
	inode = izo_iget(dentry->d_sb, d_inode(op->lower));
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	d_instantiate(dentry, inode);
	return 0;
}

/* create, mkdir, mknod, symlink: the new object is journaled with its mode and owner. */
static int izo_make(struct inode *dir, struct dentry *dentry, u16 opcode, umode_t mode,
		    dev_t rdev, const char *target)
{
	struct izo_entry_op op;
	struct inode *ldir;
	int err = izo_entry_begin(&op, dentry, opcode, IZO_LOWER_ABSENT);

	if (err)
		goto out;
	ldir = d_inode(op.lower_parent);
	switch (opcode) {
	case IZO_KML_CREATE:
		err = vfs_create(op.lower_ns, ldir, op.lower, mode, true);
		break;
	case IZO_KML_MKDIR:
		err = vfs_mkdir(op.lower_ns, ldir, op.lower, mode);
		break;
	case IZO_KML_MKNOD:
		err = vfs_mknod(op.lower_ns, ldir, op.lower, mode, rdev);
		break;
	case IZO_KML_SYMLINK:
		err = vfs_symlink(op.lower_ns, ldir, op.lower, target);
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		goto out;
	if (d_really_is_negative(op.lower) || d_unhashed(op.lower)) {
		err = -EIO; /* made, but not where it can be journaled: refuse to go on quietly */
		goto out;
	}
	izo_record_describe_new(&op.r, d_inode(op.lower));
	if (target) {
		op.r.path2 = target;
		op.r.path2_len = strlen(target);
	}
	izo_record_parents(&op.r, op.lower_parent, NULL);
	izo_record_versions(&op.r, (struct izo_version){ 0, 0 }, izo_next_version(op.sbi));
	err = izo_journal(op.sbi, &op.r, op.lower);
	if (!err)
		err = izo_instantiate(&op, dentry);
out:
	izo_entry_end(&op, dir);
	return err;
}

int izo_create(struct user_namespace *ns, struct inode *dir, struct dentry *dentry, umode_t mode,
	       bool excl)
{
	return izo_make(dir, dentry, IZO_KML_CREATE, mode, 0, NULL);
}

int izo_mkdir(struct user_namespace *ns, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return izo_make(dir, dentry, IZO_KML_MKDIR, mode, 0, NULL);
}

int izo_mknod(struct user_namespace *ns, struct inode *dir, struct dentry *dentry, umode_t mode,
	      dev_t rdev)
{
	return izo_make(dir, dentry, S_ISREG(mode) ? IZO_KML_CREATE : IZO_KML_MKNOD, mode, rdev,
			NULL);
}

int izo_symlink(struct user_namespace *ns, struct inode *dir, struct dentry *dentry,
		const char *target)
{
	return izo_make(dir, dentry, IZO_KML_SYMLINK, S_IFLNK | 0777, 0, target);
}

/* unlink and rmdir: the object's version goes into the record first. */
static int izo_remove(struct inode *dir, struct dentry *dentry, u16 opcode)
{
	struct izo_entry_op op;
	struct inode *ldir;
	int err = izo_entry_begin(&op, dentry, opcode, IZO_LOWER_PRESENT);

	if (err)
		goto out;
	ldir = d_inode(op.lower_parent);
	izo_record_versions(&op.r, izo_version_of(op.lower), (struct izo_version){ 0, 0 });
	if (opcode == IZO_KML_RMDIR)
		err = vfs_rmdir(op.lower_ns, ldir, op.lower);
	else
		err = vfs_unlink(op.lower_ns, ldir, op.lower, NULL);
	if (err)
		goto out;
	izo_record_parents(&op.r, op.lower_parent, NULL);
	err = izo_journal(op.sbi, &op.r, NULL);
	if (d_really_is_positive(dentry))
		izo_copy_attrs(d_inode(dentry));
out:
	izo_entry_end(&op, dir);
	return err;
}

int izo_unlink(struct inode *dir, struct dentry *dentry)
{
	return izo_remove(dir, dentry, IZO_KML_UNLINK);
}

int izo_rmdir(struct inode *dir, struct dentry *dentry)
{
	return izo_remove(dir, dentry, IZO_KML_RMDIR);
}

/* link: path is the existing object, path2 the new name; the object is restamped. */
int izo_link(struct dentry *old, struct inode *dir, struct dentry *new)
{
	struct izo_entry_op op;
	struct dentry *lower_old = izo_lower_dentry(old);
	char *buf2 = NULL, *path2;
	/* The old name is checked first, then the new one. */
	int err = izo_entry_begin(&op, new, IZO_KML_LINK, IZO_LOWER_ANY);

	if (err)
		goto out;
	buf2 = kmalloc(IZO_PATH_BUF, GFP_KERNEL);
	if (!buf2) {
		err = -ENOMEM;
		goto out;
	}
	/* The record's path is the existing object; the new name is path2. */
	op.r.path2 = op.r.path;
	op.r.path2_len = op.r.path_len;
	path2 = izo_rel_path(old, buf2, IZO_PATH_BUF, &op.r.path_len);
	if (IS_ERR(path2)) {
		err = PTR_ERR(path2);
		goto out;
	}
	op.r.path = path2;
	if (!lower_old || d_really_is_negative(lower_old)) {
		err = -ENOENT;
		goto out;
	}
	if (d_really_is_positive(op.lower)) {
		err = -EEXIST;
		goto out;
	}
	izo_record_versions(&op.r, izo_version_of(lower_old), (struct izo_version){ 0, 0 });
	err = vfs_link(lower_old, op.lower_ns, d_inode(op.lower_parent), op.lower, NULL);
	if (err)
		goto out;
	izo_record_parents(&op.r, lower_old->d_parent, op.lower_parent);
	op.r.v[IZO_V_OBJ_NEW].host = op.sbi->host;
	op.r.v[IZO_V_OBJ_NEW].seq = izo_next_version(op.sbi).seq;
	err = izo_journal(op.sbi, &op.r, op.lower);
	if (!err)
		err = izo_instantiate(&op, new);
	izo_copy_attrs(d_inode(old));
out:
	izo_entry_end(&op, dir);
	kfree(buf2);
	return err;
}

int izo_rename(struct user_namespace *ns, struct inode *old_dir, struct dentry *old,
	       struct inode *new_dir, struct dentry *new, unsigned int flags)
{
	struct izo_sb_info *sbi = izo_sb(old->d_sb);
	struct user_namespace *lower_ns = mnt_user_ns(sbi->lower_root.mnt);
	struct dentry *lower_old_parent, *lower_new_parent, *lower_old = NULL, *lower_new = NULL;
	struct dentry *trap;
	struct renamedata rd = {};
	struct izo_record r;
	char *buf = NULL, *buf2 = NULL, *path;
	int update, err;

	/* An exchange is two updates at once; one KML record cannot say it. */
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if (!izo_lower_dentry(old) || !izo_lower_dentry(new))
		return -EPERM;
	err = izo_record_start(&r, IZO_KML_RENAME, old, &buf);
	if (err)
		return err;
	buf2 = kmalloc(IZO_PATH_BUF, GFP_KERNEL);
	if (!buf2) {
		err = -ENOMEM;
		goto free;
	}
	path = izo_rel_path(new, buf2, IZO_PATH_BUF, &r.path2_len);
	if (IS_ERR(path)) {
		err = PTR_ERR(path);
		goto free;
	}
	r.path2 = path;

	update = izo_update_begin(sbi);
	if (update < 0) {
		err = update;
		goto free;
	}
	lower_old_parent = izo_lower_dentry(old->d_parent);
	lower_new_parent = izo_lower_dentry(new->d_parent);
	trap = lock_rename(lower_new_parent, lower_old_parent);
	lower_old = lookup_one_len(old->d_name.name, lower_old_parent, old->d_name.len);
	if (IS_ERR(lower_old)) {
		err = PTR_ERR(lower_old);
		lower_old = NULL;
		goto unlock;
	}
	lower_new = lookup_one_len(new->d_name.name, lower_new_parent, new->d_name.len);
	if (IS_ERR(lower_new)) {
		err = PTR_ERR(lower_new);
		lower_new = NULL;
		goto unlock;
	}
	err = -ENOENT;
	if (d_really_is_negative(lower_old))
		goto unlock;
	err = -EINVAL;
	if (lower_old == trap)
		goto unlock;
	err = -ENOTEMPTY;
	if (lower_new == trap)
		goto unlock;
	izo_record_versions(&r, izo_version_of(lower_old), (struct izo_version){ 0, 0 });
	if (d_really_is_positive(lower_new)) {
		struct izo_version t = izo_version_of(lower_new);

		r.v[IZO_V_TARGET_OLD].host = t.host;
		r.v[IZO_V_TARGET_OLD].seq = t.seq;
	}
	rd.old_mnt_userns = lower_ns;
	rd.old_dir = d_inode(lower_old_parent);
	rd.old_dentry = lower_old;
	rd.new_mnt_userns = lower_ns;
	rd.new_dir = d_inode(lower_new_parent);
	rd.new_dentry = lower_new;
	rd.flags = flags;
	err = vfs_rename(&rd);
	if (err)
		goto unlock;
	izo_record_parents(&r, lower_old_parent, lower_new_parent);
	r.v[IZO_V_OBJ_NEW].host = sbi->host;
	r.v[IZO_V_OBJ_NEW].seq = izo_next_version(sbi).seq;
	/* lower_old now has the new name (the lower filesystem moved it). */
	err = izo_journal(sbi, &r, lower_old);
unlock:
	dput(lower_new);
	dput(lower_old);
	unlock_rename(lower_new_parent, lower_old_parent);
	izo_update_end(sbi, update);
	izo_copy_attrs(old_dir);
	if (new_dir != old_dir)
		izo_copy_attrs(new_dir);
free:
	kfree(buf);
	kfree(buf2);
	return err;
}
