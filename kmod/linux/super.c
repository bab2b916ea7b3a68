// SPDX-License-Identifier: GPL-2.0-only
/*
 * super.c - the filesystem type "intermezzo": mount options, the superblock
 * over the holding directory, module init and exit.
 *
 *   mount -t intermezzo -o fileset=NAME[,host=NAME|hostid=N][,sync=group|always|off] \
 *         [,prestodev=/dev/intermezzoN] HOLDING MOUNTPOINT
 *
 * Without prestodev the filter journals only; with it, Lento serves the
 * fileset through that device (device.c).
 *
 * HOLDING is a directory (normally on ext4) holding the fileset and its
 * metadata folder .intermezzo/NAME/ made by mkizofs. mtpt= and cache_type=,
 * which the HOWTO's fstab lines carry, are accepted; cache_type must name the
 * holding tree's filesystem type when given.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/parser.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>

#include "izo.h"

/* The host id of a sysid name: FNV-1a (64-bit), never 0 (protocol/util/host_id.hpp). */
static u64 izo_host_id_of(const char *name)
{
	u64 h = 0xcbf29ce484222325ull;

	for (; *name; name++) {
		h ^= (u8)*name;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

/* A sysid or fileset name: 1..255 bytes, no '/', no control character. */
static bool izo_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 255)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || (u8)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

struct izo_mount_opts {
	char *fileset;
	char *cache_type;
	char *prestodev;
	u64 host;
	enum izo_sync_policy sync;
};

enum { Opt_fileset, Opt_host, Opt_hostid, Opt_sync, Opt_mtpt, Opt_cache_type, Opt_prestodev,
       Opt_err };

static const match_table_t izo_tokens = {
	{ Opt_fileset, "fileset=%s" },
	{ Opt_host, "host=%s" },
	{ Opt_hostid, "hostid=%s" },
	{ Opt_sync, "sync=%s" },
	{ Opt_mtpt, "mtpt=%s" },
	{ Opt_cache_type, "cache_type=%s" },
	{ Opt_prestodev, "prestodev=%s" },
	{ Opt_err, NULL },
};

static int izo_parse_opts(char *data, struct izo_mount_opts *o)
{
	substring_t args[MAX_OPT_ARGS];
	char *p, *arg;
	int err = 0;

	o->host = 1; /* as presto-fuse without --host */
	o->sync = IZO_SYNC_GROUP;
	while (!err && (p = strsep(&data, ",")) != NULL) {
		if (!*p)
			continue;
		arg = NULL;
		switch (match_token(p, izo_tokens, args)) {
		case Opt_fileset:
			kfree(o->fileset);
			o->fileset = match_strdup(&args[0]);
			if (!o->fileset)
				return -ENOMEM;
			if (!izo_name_ok(o->fileset)) {
				pr_err(IZO_FS_NAME ": fileset=%s: not a fileset name (1..255 bytes, no '/')\n",
				       o->fileset);
				err = -EINVAL;
			}
			break;
		case Opt_host:
			arg = match_strdup(&args[0]);
			if (!arg)
				return -ENOMEM;
			if (!izo_name_ok(arg)) {
				pr_err(IZO_FS_NAME ": host=%s: not a sysid name\n", arg);
				err = -EINVAL;
			}
			o->host = izo_host_id_of(arg);
			break;
		case Opt_hostid:
			arg = match_strdup(&args[0]);
			if (!arg)
				return -ENOMEM;
			if (kstrtou64(arg, 0, &o->host) || o->host == 0) {
				pr_err(IZO_FS_NAME ": hostid=%s: not a number above 0\n", arg);
				err = -EINVAL;
			}
			break;
		case Opt_sync:
			arg = match_strdup(&args[0]);
			if (!arg)
				return -ENOMEM;
			if (!strcmp(arg, "group")) {
				o->sync = IZO_SYNC_GROUP;
			} else if (!strcmp(arg, "always")) {
				o->sync = IZO_SYNC_ALWAYS;
			} else if (!strcmp(arg, "off")) {
				o->sync = IZO_SYNC_OFF;
			} else {
				pr_err(IZO_FS_NAME ": sync=%s: group, always or off\n", arg);
				err = -EINVAL;
			}
			break;
		case Opt_mtpt:
			break;
		case Opt_cache_type:
			kfree(o->cache_type);
			o->cache_type = match_strdup(&args[0]);
			if (!o->cache_type)
				return -ENOMEM;
			break;
		case Opt_prestodev:
			kfree(o->prestodev);
			o->prestodev = match_strdup(&args[0]);
			if (!o->prestodev)
				return -ENOMEM;
			break;
		default:
			pr_err(IZO_FS_NAME ": unknown mount option \"%s\"\n", p);
			err = -EINVAL;
		}
		kfree(arg);
	}
	if (!err && !o->fileset) {
		pr_err(IZO_FS_NAME ": the fileset=NAME mount option is required\n");
		err = -EINVAL;
	}
	return err;
}

/* ---- super operations ------------------------------------------------------------ */

/* After the VFS let go of the superblock (also when fill_super failed half-way). */
static void izo_kill_sb(struct super_block *sb)
{
	struct izo_sb_info *sbi = izo_sb(sb);

	kill_anon_super(sb);
	if (!sbi)
		return;
	izo_channel_unbind(sbi);
	izo_kml_close(&sbi->kml);
	path_put(&sbi->lower_root);
	if (sbi->kcred)
		put_cred(sbi->kcred);
	kfree(sbi->fileset);
	kfree(sbi);
	sb->s_fs_info = NULL;
}

static int izo_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct izo_sb_info *sbi = izo_sb(dentry->d_sb);
	int err = vfs_statfs(&sbi->lower_root, buf);

	if (!err)
		buf->f_type = 0x495a4f21; /* "IZO!" */
	return err;
}

static int izo_sync_fs(struct super_block *sb, int wait)
{
	return wait ? izo_kml_sync(&izo_sb(sb)->kml) : 0;
}

static void izo_evict_inode(struct inode *inode)
{
	struct inode *lower = izo_lower_inode(inode);

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (lower) {
		inode->i_private = NULL;
		iput(lower);
	}
}

static int izo_show_options(struct seq_file *m, struct dentry *root)
{
	struct izo_sb_info *sbi = izo_sb(root->d_sb);

	seq_show_option(m, "fileset", sbi->fileset);
	seq_printf(m, ",hostid=%llu", sbi->host);
	if (sbi->kml.policy == IZO_SYNC_ALWAYS)
		seq_puts(m, ",sync=always");
	else if (sbi->kml.policy == IZO_SYNC_OFF)
		seq_puts(m, ",sync=off");
	return 0;
}

static const struct super_operations izo_sops = {
	.statfs = izo_statfs,
	.sync_fs = izo_sync_fs,
	.evict_inode = izo_evict_inode,
	.show_options = izo_show_options,
	.drop_inode = generic_delete_inode,
};

/* ---- mounting ------------------------------------------------------------------------ */

static void izo_on_durable(struct izo_kml *kml, u64 recno)
{
	izo_kml_written(container_of(kml, struct izo_sb_info, kml), recno);
}

struct izo_mount_data {
	const char *dev_name;
	struct izo_mount_opts opts;
};

static int izo_fill_super(struct super_block *sb, void *raw, int silent)
{
	struct izo_mount_data *md = raw;
	struct izo_sb_info *sbi;
	struct super_block *lower_sb;
	struct inode *inode;
	int err;

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	sb->s_fs_info = sbi;
	mutex_init(&sbi->update_lock);
	sbi->host = md->opts.host;
	sbi->fileset = md->opts.fileset;
	md->opts.fileset = NULL;

	err = kern_path(md->dev_name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &sbi->lower_root);
	if (err) {
		pr_err(IZO_FS_NAME ": %s: cannot find the holding directory (error %d)\n",
		       md->dev_name, err);
		return err;
	}
	lower_sb = sbi->lower_root.dentry->d_sb;
	if (md->opts.cache_type && strcmp(md->opts.cache_type, lower_sb->s_type->name)) {
		pr_err(IZO_FS_NAME ": %s is on %s, not cache_type=%s\n", md->dev_name,
		       lower_sb->s_type->name, md->opts.cache_type);
		return -EINVAL;
	}
	if (lower_sb->s_stack_depth >= FILESYSTEM_MAX_STACK_DEPTH) {
		pr_err(IZO_FS_NAME ": %s: filesystems stacked too deep\n", md->dev_name);
		return -EINVAL;
	}
	sbi->kcred = prepare_kernel_cred(NULL);
	if (!sbi->kcred)
		return -ENOMEM;

	err = izo_kml_open(&sbi->kml, &sbi->lower_root, sbi->fileset, md->opts.sync);
	if (err)
		return err;
	sbi->kml.on_durable = izo_on_durable;
	if (md->opts.prestodev) {
		err = izo_channel_bind(sbi, md->opts.prestodev);
		if (err)
			return err;
	}

	sb->s_stack_depth = lower_sb->s_stack_depth + 1;
	sb->s_maxbytes = lower_sb->s_maxbytes;
	sb->s_blocksize = lower_sb->s_blocksize;
	sb->s_blocksize_bits = lower_sb->s_blocksize_bits;
	sb->s_time_gran = lower_sb->s_time_gran;
	sb->s_magic = 0x495a4f21;
	sb->s_op = &izo_sops;
	sb->s_xattr = izo_xattr_handlers;
	sb->s_d_op = &izo_dentry_ops;

	inode = izo_iget(sb, d_inode(sbi->lower_root.dentry));
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	sb->s_root = d_make_root(inode);
	if (!sb->s_root)
		return -ENOMEM;
	err = izo_set_lower(sb->s_root, &sbi->lower_root);
	if (err)
		return err;
	pr_info(IZO_FS_NAME ": fileset %s on %s, host %llu, journal at record %llu, %s%s\n",
		sbi->fileset, md->dev_name, sbi->host, sbi->kml.last_recno,
		sbi->channel ? "Lento on " : "journaling only (no prestodev)",
		sbi->channel ? md->opts.prestodev : "");
	return 0;
}

static struct dentry *izo_mount(struct file_system_type *fs_type, int flags,
				const char *dev_name, void *raw_data)
{
	struct izo_mount_data md = { .dev_name = dev_name };
	struct dentry *root;
	int err;

	if (!dev_name || !*dev_name) {
		pr_err(IZO_FS_NAME ": no holding directory given\n");
		return ERR_PTR(-EINVAL);
	}
	err = izo_parse_opts(raw_data, &md.opts);
	if (err) {
		root = ERR_PTR(err);
		goto out;
	}
	root = mount_nodev(fs_type, flags, &md, izo_fill_super);
out:
	kfree(md.opts.fileset);
	kfree(md.opts.cache_type);
	kfree(md.opts.prestodev);
	return root;
}

static struct file_system_type izo_fs_type = {
	.owner = THIS_MODULE,
	.name = IZO_FS_NAME,
	.mount = izo_mount,
	.kill_sb = izo_kill_sb,
};
MODULE_ALIAS_FS(IZO_FS_NAME);

static int __init izo_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct izo_kml_head) != IZO_KML_HEAD_SIZE);
	BUILD_BUG_ON(offsetof(struct izo_kml_head, versions) != 56);
	BUILD_BUG_ON(offsetof(struct izo_kml_head, mode) != 168);
	BUILD_BUG_ON(offsetof(struct izo_kml_head, origin) != 216);
	BUILD_BUG_ON(sizeof(struct izo_kml_tail) != IZO_KML_TAIL_SIZE);
	err = izo_devices_init();
	if (err)
		return err;
	err = register_filesystem(&izo_fs_type);
	if (err)
		izo_devices_exit();
	return err;
}

static void __exit izo_exit(void)
{
	unregister_filesystem(&izo_fs_type);
	izo_devices_exit();
}

module_init(izo_init);
module_exit(izo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("InterMezzo Presto: a filter that journals every update into the KML");
MODULE_AUTHOR("The InterMezzo project");
