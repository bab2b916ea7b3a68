// SPDX-License-Identifier: GPL-2.0-only
/*
 * file.c - an open regular file holds an open file of the holding tree; reads
 * and writes pass to it. A file written through the mount (or emptied by
 * O_TRUNC) is journaled as one close record, with its size and mtime, when a
 * descriptor of it is closed (flush), or at release for writes after that.
 */
#include <linux/file.h>
#include <linux/fs_stack.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/xattr.h>

#include "izo.h"

#define IZO_MISSING_XATTR "trusted.izo.missing"

/* Content this replica does not have yet is fetched from Lento before the open. */
static int izo_fetch_missing(struct izo_sb_info *sbi, struct dentry *dentry, struct dentry *lower)
{
	char *buf, *path;
	size_t len;
	int err;

	if (!sbi->channel || izo_current_is_lento(sbi) ||
	    __vfs_getxattr(lower, d_inode(lower), IZO_MISSING_XATTR, NULL, 0) < 0)
		return 0;
	buf = kmalloc(IZO_PATH_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	path = izo_rel_path(dentry, buf, IZO_PATH_BUF, &len);
	err = IS_ERR(path) ? PTR_ERR(path) : izo_fetch(sbi, path, len, izo_version_of(lower));
	kfree(buf);
	return err;
}

int izo_open_lower(struct file *file, int flags)
{
	struct izo_file_info *fi = kzalloc(sizeof(*fi), GFP_KERNEL);
	struct file *lower;

	if (!fi)
		return -ENOMEM;
	lower = dentry_open(&izo_di(file->f_path.dentry)->lower, flags, current_cred());
	if (IS_ERR(lower)) {
		kfree(fi);
		return PTR_ERR(lower);
	}
	fi->lower = lower;
	file->private_data = fi;
	return 0;
}

void izo_release_lower(struct file *file)
{
	struct izo_file_info *fi = izo_fi(file);

	fput(fi->lower);
	kfree(fi);
}

static int izo_open(struct inode *inode, struct file *file)
{
	struct izo_sb_info *sbi = izo_sb(inode->i_sb);
	struct izo_dentry_info *di = izo_di(file->f_path.dentry);
	int err;

	err = izo_fetch_missing(sbi, file->f_path.dentry, di->lower.dentry);
	if (err)
		return err;
	/* A writer needs the permit before its first update, as in the original. */
	if (file->f_mode & FMODE_WRITE) {
		int permit = izo_begin_update(sbi);

		if (permit < 0)
			return permit;
		izo_end_update(sbi, permit);
	}
	return izo_open_lower(file, file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
}

/* The close record of a written file, unless it has no name left (its unlink is journaled). */
static int izo_journal_close(struct file *file)
{
	struct izo_sb_info *sbi = izo_sb(file_inode(file)->i_sb);
	struct izo_file_info *fi = izo_fi(file);
	struct dentry *lower = fi->lower->f_path.dentry;
	struct inode *li = file_inode(fi->lower);
	struct izo_record r;
	char *buf = NULL;
	int update, err;

	if (!atomic_xchg(&fi->written, 0))
		return 0;
	update = izo_update_begin(sbi);
	if (update < 0)
		return update;
	err = 0;
	if (li->i_nlink == 0)
		goto out;
	err = izo_record_start(&r, IZO_KML_CLOSE, file->f_path.dentry, &buf);
	if (err)
		goto out;
	r.valid = IZO_ATTR_SIZE | IZO_ATTR_MTIME;
	r.size = i_size_read(li);
	r.mtime_ns = timespec64_to_ns(&li->i_mtime);
	izo_record_versions(&r, izo_version_of(lower), izo_next_version(sbi));
	/* What the application wrote is this version's content, here. */
	if (izo_current_is_lento(sbi))
		goto out;
	inode_lock(li);
	__vfs_removexattr(mnt_user_ns(sbi->lower_root.mnt), lower, IZO_MISSING_XATTR);
	inode_unlock(li);
	err = izo_journal(sbi, &r, lower);
out:
	izo_update_end(sbi, update);
	kfree(buf);
	return err;
}

static int izo_flush(struct file *file, fl_owner_t id)
{
	struct izo_file_info *fi = izo_fi(file);
	int err = 0;

	if (fi->lower->f_op->flush)
		err = fi->lower->f_op->flush(fi->lower, id);
	if (file->f_mode & FMODE_WRITE) {
		int jerr = izo_journal_close(file);

		if (!err)
			err = jerr;
	}
	return err;
}

static int izo_release(struct inode *inode, struct file *file)
{
	izo_journal_close(file);
	izo_release_lower(file);
	return 0;
}

static rwf_t izo_rwf(int ki_flags)
{
	rwf_t flags = 0;

	if (ki_flags & IOCB_NOWAIT)
		flags |= RWF_NOWAIT;
	if (ki_flags & IOCB_HIPRI)
		flags |= RWF_HIPRI;
	if (ki_flags & IOCB_DSYNC)
		flags |= RWF_DSYNC;
	if (ki_flags & IOCB_SYNC)
		flags |= RWF_SYNC;
	return flags;
}

static ssize_t izo_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	struct file *lower = izo_fi(file)->lower;
	ssize_t n;

	if (!iov_iter_count(iter))
		return 0;
	n = vfs_iter_read(lower, iter, &iocb->ki_pos, izo_rwf(iocb->ki_flags));
	fsstack_copy_attr_atime(file_inode(file), file_inode(lower));
	return n;
}

static ssize_t izo_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct izo_file_info *fi = izo_fi(file);
	ssize_t n;

	if (!iov_iter_count(iter))
		return 0;
	inode_lock(inode);
	n = vfs_iter_write(fi->lower, iter, &iocb->ki_pos, izo_rwf(iocb->ki_flags));
	if (n > 0)
		atomic_set(&fi->written, 1);
	izo_copy_attrs(inode);
	inode_unlock(inode);
	return n;
}

loff_t izo_llseek(struct file *file, loff_t offset, int whence)
{
	struct file *lower = izo_fi(file)->lower;
	loff_t pos;

	lower->f_pos = file->f_pos;
	pos = vfs_llseek(lower, offset, whence);
	if (pos >= 0)
		file->f_pos = pos;
	return pos;
}

static int izo_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct file *lower = izo_fi(file)->lower;

	if (!lower->f_op->mmap)
		return -ENODEV;
	if ((vma->vm_flags & VM_SHARED) && (vma->vm_flags & VM_WRITE))
		atomic_set(&izo_fi(file)->written, 1);
	vma_set_file(vma, lower);
	return call_mmap(lower, vma);
}

/* What the application makes durable, the journal covers first. */
int izo_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct izo_sb_info *sbi = izo_sb(file_inode(file)->i_sb);
	int err = izo_kml_sync(&sbi->kml);

	if (err)
		return err;
	return vfs_fsync_range(izo_fi(file)->lower, start, end, datasync);
}

static long izo_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct izo_file_info *fi = izo_fi(file);
	long err = vfs_fallocate(fi->lower, mode, offset, len);

	if (!err)
		atomic_set(&fi->written, 1);
	izo_copy_attrs(file_inode(file));
	return err;
}

const struct file_operations izo_file_fops = {
	.open = izo_open,
	.flush = izo_flush,
	.release = izo_release,
	.read_iter = izo_read_iter,
	.write_iter = izo_write_iter,
	.llseek = izo_llseek,
	.mmap = izo_mmap,
	.fsync = izo_fsync,
	.fallocate = izo_fallocate,
	.splice_read = generic_file_splice_read,
	.splice_write = iter_file_splice_write,
};
