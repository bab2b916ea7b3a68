// SPDX-License-Identifier: GPL-2.0-only
/*
 * dir.c - an open directory holds the holding tree's directory (as file.c's
 * files do, sharing their seek and fsync); listing it passes the lower
 * entries through, less the metadata folder at the root.
 */
#include <linux/file.h>
#include <linux/fs_stack.h>
#include <linux/slab.h>

#include "izo.h"

static int izo_dir_open(struct inode *inode, struct file *file)
{
	return izo_open_lower(file, file->f_flags);
}

static int izo_dir_release(struct inode *inode, struct file *file)
{
	izo_release_lower(file);
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
	struct file *lower = izo_fi(file)->lower;
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

const struct file_operations izo_dir_fops = {
	.open = izo_dir_open,
	.release = izo_dir_release,
	.iterate_shared = izo_iterate,
	.llseek = izo_llseek,
	.read = generic_read_dir,
	.fsync = izo_fsync,
};
