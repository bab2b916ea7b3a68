// SPDX-License-Identifier: GPL-2.0-only
/*
 * kml.c - the fileset's KML: opened and recovered at mount, appended under
 * the update lock, made durable by group commit.
 *
 * Recovery follows protocol/kml/FORMAT.md ("the torn-tail rule"): the walk
 * stops at the first record that fails a check; what follows is cut if it
 * holds no later good record (an interrupted append), and the mount is
 * refused if it does (damage that an append cannot explain).
 */
#include <asm/unaligned.h>
#include <linux/crc32c.h>
#include <linux/file.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "izo.h"

#define IZO_GROUP_RECORDS 64u
#define IZO_GROUP_DELAY_MS 5u
#define IZO_SCAN_WINDOW 65536u

static u32 izo_crc32c(const void *p, size_t n)
{
	return ~crc32c(~0u, p, n);
}

/* ---- checking one record ------------------------------------------------------ */

/*
 * Reads and checks the record at `at`; returns its length, 0 if there is
 * none (end of file or a bad record: *why says which), or an errno.
 */
static ssize_t izo_frame_at(struct izo_kml *kml, loff_t at, loff_t size, u64 *recno,
			    const char **why)
{
	struct izo_kml_head *h = kml->buf;
	struct izo_kml_tail *t;
	loff_t pos = at;
	ssize_t got;
	u32 len, vlen;

	*why = NULL;
	if (at + IZO_KML_MIN_LEN > size) {
		*why = "incomplete record";
		return 0;
	}
	got = kernel_read(kml->file, kml->buf, IZO_KML_HEAD_SIZE, &pos);
	if (got < 0)
		return got;
	if (got != IZO_KML_HEAD_SIZE) {
		*why = "short read";
		return 0;
	}
	len = le32_to_cpu(h->len);
	if (le32_to_cpu(h->magic) != IZO_KML_MAGIC) {
		*why = "bad magic";
		return 0;
	}
	if (le16_to_cpu(h->format) != IZO_KML_FORMAT_V1) {
		*why = "unknown format";
		return 0;
	}
	if (len < IZO_KML_MIN_LEN || len > IZO_KML_MAX_LEN || len % IZO_KML_ALIGN) {
		*why = "bad length";
		return 0;
	}
	if (at + len > size) {
		*why = "incomplete record";
		return 0;
	}
	vlen = le16_to_cpu(h->path_len) + le16_to_cpu(h->path2_len) + le32_to_cpu(h->data_len);
	if (IZO_KML_RECORD_LEN((size_t)vlen) != len) {
		*why = "field lengths do not add up";
		return 0;
	}
	got = kernel_read(kml->file, (char *)kml->buf + IZO_KML_HEAD_SIZE,
			  len - IZO_KML_HEAD_SIZE, &pos);
	if (got < 0)
		return got;
	if (got != len - IZO_KML_HEAD_SIZE) {
		*why = "short read";
		return 0;
	}
	t = (struct izo_kml_tail *)((char *)kml->buf + len - IZO_KML_TAIL_SIZE);
	if (le32_to_cpu(t->len) != len) {
		*why = "head and tail lengths differ";
		return 0;
	}
	if (le32_to_cpu(t->crc32c) != izo_crc32c(kml->buf, len - IZO_KML_TAIL_SIZE)) {
		*why = "bad checksum";
		return 0;
	}
	*recno = le64_to_cpu(h->recno);
	if (*recno == 0) {
		*why = "record number 0";
		return 0;
	}
	return len;
}

/* Whether a good record numbered above `after` starts anywhere after `bad`. */
static int izo_find_later_good(struct izo_kml *kml, loff_t bad, loff_t size, u64 after,
			       loff_t *found)
{
	u8 *window;
	loff_t base;
	int err = 0;

	window = kvmalloc(IZO_SCAN_WINDOW, GFP_KERNEL);
	if (!window)
		return -ENOMEM;
	for (base = bad + IZO_KML_ALIGN; base + IZO_KML_MIN_LEN <= size && !err;
	     base += IZO_SCAN_WINDOW - IZO_KML_ALIGN) {
		loff_t pos = base;
		ssize_t got = kernel_read(kml->file, window, IZO_SCAN_WINDOW, &pos);
		size_t off;

		if (got < 0) {
			err = got;
			break;
		}
		for (off = 0; off + sizeof(__le32) <= (size_t)got; off += IZO_KML_ALIGN) {
			const char *why;
			u64 recno;
			ssize_t len;

			if (get_unaligned_le32(window + off) != IZO_KML_MAGIC)
				continue;
			len = izo_frame_at(kml, base + off, size, &recno, &why);
			if (len < 0) {
				err = len;
				break;
			}
			if (len > 0 && recno > after) {
				*found = base + off;
				kvfree(window);
				return 1;
			}
		}
		if (got < IZO_SCAN_WINDOW)
			break;
	}
	kvfree(window);
	return err;
}

/* Walks the log, sets end and last_recno, and cuts a torn tail. */
static int izo_kml_recover(struct izo_kml *kml, const char *fileset)
{
	loff_t size = i_size_read(file_inode(kml->file));
	loff_t at = 0, later = 0;
	const char *why = NULL;
	u64 last = 0, recno = 0;
	bool out_of_sequence = false;
	ssize_t len;
	int found, err;

	for (;;) {
		len = izo_frame_at(kml, at, size, &recno, &why);
		if (len < 0)
			return len;
		if (len == 0)
			break;
		if (last != 0 && recno != last + 1) {
			why = "record number out of sequence";
			out_of_sequence = true;
			break;
		}
		last = recno;
		at += len;
	}
	kml->end = at;
	kml->last_recno = last;
	kml->durable_recno = last;
	if (at == size)
		return 0;

	found = izo_find_later_good(kml, at, size, last, &later);
	if (found < 0)
		return found;
	if (found || out_of_sequence) {
		pr_err(IZO_FS_NAME ": %s: KML damaged at offset %lld (%s)%s%lld; not mounted: "
		       "check it with kmldump --check\n", fileset, at, why,
		       found ? ", a later good record at offset " : "", found ? later : at);
		return -EUCLEAN;
	}
	pr_info(IZO_FS_NAME ": %s: cutting the KML's torn tail at offset %lld (%lld bytes, %s)\n",
		fileset, at, size - at, why);
	err = vfs_truncate(&kml->file->f_path, at);
	if (!err)
		err = vfs_fsync(kml->file, 0);
	return err;
}

/* ---- opening and closing ------------------------------------------------------- */

static void izo_kml_commit_work(struct work_struct *work)
{
	struct izo_kml *kml = container_of(to_delayed_work(work), struct izo_kml, commit);

	izo_kml_sync(kml);
}

int izo_kml_open(struct izo_kml *kml, const struct path *lower_root, const char *fileset,
		 enum izo_sync_policy policy)
{
	char *rel;
	int err;

	memset(kml, 0, sizeof(*kml));
	mutex_init(&kml->sync_lock);
	INIT_DELAYED_WORK(&kml->commit, izo_kml_commit_work);
	kml->policy = policy;
	kml->buf = kvmalloc(IZO_KML_MAX_LEN, GFP_KERNEL);
	if (!kml->buf)
		return -ENOMEM;
	rel = kasprintf(GFP_KERNEL, IZO_META_DIR "/%s/kml", fileset);
	if (!rel) {
		err = -ENOMEM;
		goto fail;
	}
	kml->file = file_open_root(lower_root, rel, O_RDWR | O_CREAT | O_LARGEFILE | O_NOFOLLOW,
				   0600);
	if (IS_ERR(kml->file)) {
		err = PTR_ERR(kml->file);
		kml->file = NULL;
		pr_err(IZO_FS_NAME ": %s: cannot open %s in the holding tree (error %d)%s\n",
		       fileset, rel, err,
		       err == -ENOENT ? ": make the fileset's metadata with mkizofs first" : "");
		kfree(rel);
		goto fail;
	}
	kfree(rel);
	if (!S_ISREG(file_inode(kml->file)->i_mode)) {
		pr_err(IZO_FS_NAME ": %s: the KML is not a regular file\n", fileset);
		err = -EINVAL;
		goto fail;
	}
	err = izo_kml_recover(kml, fileset);
	if (err)
		goto fail;
	return 0;
fail:
	izo_kml_close(kml);
	return err;
}

void izo_kml_close(struct izo_kml *kml)
{
	if (kml->file) {
		cancel_delayed_work_sync(&kml->commit);
		izo_kml_sync(kml);
		fput(kml->file);
		kml->file = NULL;
	}
	kvfree(kml->buf);
	kml->buf = NULL;
}

/* ---- appending ------------------------------------------------------------------ */

static size_t izo_encode(void *buf, u64 recno, u64 host, u64 time_ns, const struct izo_record *r)
{
	struct izo_kml_head *h = buf;
	struct izo_kml_tail *t;
	size_t vlen = r->path_len + r->path2_len + r->data_len;
	size_t len = IZO_KML_RECORD_LEN(vlen);
	char *p = (char *)buf + IZO_KML_HEAD_SIZE;
	int i;

	memset(buf, 0, len);
	h->magic = cpu_to_le32(IZO_KML_MAGIC);
	h->len = cpu_to_le32(len);
	h->recno = cpu_to_le64(recno);
	h->format = cpu_to_le16(IZO_KML_FORMAT_V1);
	h->opcode = cpu_to_le16(r->opcode);
	h->flags = cpu_to_le32(r->flags);
	h->pid = cpu_to_le32(task_pid_nr(current));
	h->uid = cpu_to_le32(r->writer_uid);
	h->gid = cpu_to_le32(r->writer_gid);
	h->path_len = cpu_to_le16(r->path_len);
	h->path2_len = cpu_to_le16(r->path2_len);
	h->data_len = cpu_to_le32(r->data_len);
	h->valid = cpu_to_le32(r->valid);
	h->time_ns = cpu_to_le64(time_ns);
	for (i = 0; i < IZO_V_SLOTS; i++) {
		h->versions[i].host = cpu_to_le64(r->v[i].host);
		h->versions[i].seq = cpu_to_le64(r->v[i].seq);
	}
	h->mode = cpu_to_le32(r->mode);
	h->attr_uid = cpu_to_le32(r->attr_uid);
	h->attr_gid = cpu_to_le32(r->attr_gid);
	h->size = cpu_to_le64(r->size);
	h->atime_ns = cpu_to_le64(r->atime_ns);
	h->mtime_ns = cpu_to_le64(r->mtime_ns);
	h->rdev = cpu_to_le64(r->rdev);
	h->origin = cpu_to_le64(host);
	h->origin_recno = cpu_to_le64(recno);
	memcpy(p, r->path, r->path_len);
	memcpy(p + r->path_len, r->path2, r->path2_len);
	memcpy(p + r->path_len + r->path2_len, r->data, r->data_len);
	t = (struct izo_kml_tail *)((char *)buf + len - IZO_KML_TAIL_SIZE);
	t->crc32c = cpu_to_le32(izo_crc32c(buf, len - IZO_KML_TAIL_SIZE));
	t->len = cpu_to_le32(len);
	return len;
}

/* Writes the record of `len` bytes in kml->buf as record `recno`, then commits by policy. */
static s64 izo_kml_write(struct izo_kml *kml, u64 recno, size_t len)
{
	loff_t pos = kml->end;
	ssize_t wrote;

	wrote = kernel_write(kml->file, kml->buf, len, &pos);
	if (wrote != (ssize_t)len) {
		/* Leave no partial record behind for the next append to follow. */
		pr_err(IZO_FS_NAME ": KML append of record %llu failed (%zd); update not journaled\n",
		       recno, wrote);
		vfs_truncate(&kml->file->f_path, kml->end);
		return wrote < 0 ? wrote : -EIO;
	}
	kml->end = pos;
	smp_store_release(&kml->last_recno, recno);

	switch (kml->policy) {
	case IZO_SYNC_ALWAYS:
		izo_kml_sync(kml);
		break;
	case IZO_SYNC_GROUP:
		if (++kml->pending >= IZO_GROUP_RECORDS) {
			kml->pending = 0;
			mod_delayed_work(system_wq, &kml->commit, 0);
		} else {
			/* No effect when a commit is queued: the oldest record sets the deadline. */
			schedule_delayed_work(&kml->commit, msecs_to_jiffies(IZO_GROUP_DELAY_MS));
		}
		break;
	case IZO_SYNC_OFF:
		break;
	}
	return recno;
}

s64 izo_kml_append(struct izo_kml *kml, u64 host, const struct izo_record *r)
{
	u64 recno = kml->last_recno + 1;

	if (r->path_len > IZO_KML_MAX_PATH || r->path2_len > IZO_KML_MAX_PATH ||
	    r->data_len > IZO_KML_MAX_DATA)
		return -ENAMETOOLONG;
	return izo_kml_write(kml, recno, izo_encode(kml->buf, recno, host, ktime_get_real_ns(), r));
}

s64 izo_kml_append_raw(struct izo_kml *kml, u64 host, const u8 *bytes, size_t len)
{
	struct izo_kml_head *h = kml->buf;
	struct izo_kml_tail *t;
	u64 recno = kml->last_recno + 1;
	size_t vlen;

	if (len < IZO_KML_MIN_LEN || len > IZO_KML_MAX_LEN || len % IZO_KML_ALIGN)
		return -EINVAL;
	memcpy(kml->buf, bytes, len);
	t = (struct izo_kml_tail *)((u8 *)kml->buf + len - IZO_KML_TAIL_SIZE);
	vlen = le16_to_cpu(h->path_len) + le16_to_cpu(h->path2_len) + le32_to_cpu(h->data_len);
	if (le32_to_cpu(h->magic) != IZO_KML_MAGIC || le32_to_cpu(h->len) != len ||
	    le16_to_cpu(h->format) != IZO_KML_FORMAT_V1 ||
	    le16_to_cpu(h->opcode) >= IZO_KML_OPCODE_COUNT || IZO_KML_RECORD_LEN(vlen) != len ||
	    le32_to_cpu(t->len) != len ||
	    le32_to_cpu(t->crc32c) != izo_crc32c(kml->buf, len - IZO_KML_TAIL_SIZE))
		return -EINVAL;
	h->recno = cpu_to_le64(recno);
	if (!h->origin) {
		h->origin = cpu_to_le64(host);
		h->origin_recno = cpu_to_le64(recno);
	}
	t->crc32c = cpu_to_le32(izo_crc32c(kml->buf, len - IZO_KML_TAIL_SIZE));
	return izo_kml_write(kml, recno, len);
}

int izo_kml_sync(struct izo_kml *kml)
{
	u64 target;
	int err;

	mutex_lock(&kml->sync_lock);
	target = smp_load_acquire(&kml->last_recno);
	if (target == kml->durable_recno) {
		mutex_unlock(&kml->sync_lock);
		return 0;
	}
	err = vfs_fsync(kml->file, 1);
	if (!err)
		kml->durable_recno = target;
	else
		pr_err(IZO_FS_NAME ": KML sync failed (%d)\n", err);
	mutex_unlock(&kml->sync_lock);
	if (!err && kml->on_durable)
		kml->on_durable(kml, target);
	return err;
}
