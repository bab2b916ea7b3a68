// SPDX-License-Identifier: GPL-2.0-only
/*
 * dir.c - an open directory holds the holding tree's directory; listing it
 * passes the lower entries through, less the metadata folder at the root.
 */
#include <linux/file.h>
#include <linux/fs_stack.h>
#include <linux/slab.h>

#include "izo.h"

static int izo_dir_open(struct inode *inode, struct file *file)
{
	struct izo_dentry_info *di = izo_di(file->f_path.dentry);
	struct file *lower = dentry_open(&di->lower, file->f_flags, current_cred());

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	file->private_data = lower;
	return 0;
}

static int izo_dir_release(struct inode *inode, struct file *file)
{
	fput(file->private_data);
	return 0;
}

struct izo_readdir {
	struct dir_context ctx;
	struct dir_context *caller;
	bool root;
};

static bool izo_filldir(struct dir_context *ctx, const char *name, int len, loff_t pos, u64 ino,
			unsigned int type)
{
	struct izo_readdir *rd = container_of(ctx, struct izo_readdir, ctx);

	if (rd->root && len == sizeof(IZO_META_DIR) - 1 && !memcmp(name, IZO_META_DIR, len))
		return true;
	rd->caller->pos = ctx->pos;
	return rd->caller->actor(rd->caller, name, len, pos, ino, type);
}

static int izo_iterate(struct file *file, struct dir_context *ctx)
{
	struct file *lower = file->private_data;
	struct izo_readdir rd = {
		.ctx.actor = izo_filldir,
		.caller = ctx,
		.root = IS_ROOT(file->f_path.dentry),
	};
	int err;

	lower->f_pos = ctx->pos;
	err = iterate_dir(lower, &rd.ctx);
	ctx->pos = lower->f_pos;
	fsstack_copy_attr_atime(file_inode(file), file_inode(lower));
	return err;
}

static loff_t izo_dir_llseek(struct file *file, loff_t offset, int whence)
{
	struct file *lower = file->private_data;
	loff_t pos;

	lower->f_pos = file->f_pos;
	pos = vfs_llseek(lower, offset, whence);
	if (pos >= 0)
		file->f_pos = pos;
	return pos;
}

static int izo_dir_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	int err = izo_kml_sync(&izo_sb(file_inode(file)->i_sb)->kml);

	return err ? err : vfs_fsync_range(file->private_data, start, end, datasync);
}

const struct file_operations izo_dir_fops = {
	.open = izo_dir_open,
	.release = izo_dir_release,
	.iterate_shared = izo_iterate,
	.llseek = izo_dir_llseek,
	.read = generic_read_dir,
	.fsync = izo_dir_fsync,
};
