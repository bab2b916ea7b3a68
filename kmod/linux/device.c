// SPDX-License-Identifier: GPL-2.0-only
/*
 * device.c - /dev/intermezzoN, the channel between the filter and Lento, with
 * the messages of protocol/include/izo/upcall_format.h (protocol/upcall/FORMAT.md):
 * one whole message per read and per write.
 *
 * A mount names its device with prestodev=/dev/intermezzoN; several mounts
 * (filesets) may share one device, messages name their fileset. Lento opens the
 * device and ATTACHes a fileset; from then on its process (thread group) passes
 * that fileset unjournaled and without a permit (the seeds' ISLENTO rule: no other
 * process can claim it). Anyone else's update first needs the permit: the update
 * waits for PERMIT's reply; a refusal, no reply within permit_wait seconds, or no
 * Lento attached fails it with EROFS. An open of content marked missing asks
 * Lento with FETCH and waits. KML_WRITTEN announces the durable end of the KML.
 * Lento's JOURNAL appends a record it made, SYNC makes the KML durable.
 * Closing the device detaches every fileset its opener attached.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "izo.h"
#include "upcall_format.h"

#define IZO_DEVICES 4
#define IZO_MSG_MAX (IZO_UPCALL_HEAD_SIZE + IZO_UPCALL_MAX_FILESET + IZO_UPCALL_MAX_PATH + \
		     IZO_UPCALL_MAX_DATA)

static unsigned int permit_wait = 60;
module_param(permit_wait, uint, 0644);
MODULE_PARM_DESC(permit_wait, "seconds an update waits for Lento's permit before EROFS");
static unsigned int fetch_wait = 60;
module_param(fetch_wait, uint, 0644);
MODULE_PARM_DESC(fetch_wait, "seconds an open waits for Lento's fetch before EIO");

struct izo_msg {
	struct list_head link;
	size_t len;
	u8 bytes[];
};

struct izo_device {
	struct miscdevice misc;
	char name[16];
	struct mutex lock;         /* everything below, and every channel's state */
	struct list_head out;      /* messages for Lento, oldest first */
	wait_queue_head_t readable;
	struct list_head channels; /* the mounts on this device */
};

static struct izo_device izo_devices[IZO_DEVICES];

/* A fetch or permit request waiting for its reply. */
struct izo_waiter {
	struct list_head link;
	u64 id;
	bool done;
	int status;
};

/* ---- messages -------------------------------------------------------------------- */

static struct izo_msg *izo_msg_new(u16 kind, u64 id, const char *fileset, const char *path,
				   size_t path_len)
{
	size_t fs_len = strlen(fileset);
	size_t len = IZO_UPCALL_HEAD_SIZE + fs_len + path_len;
	struct izo_msg *m = kzalloc(sizeof(*m) + len, GFP_KERNEL);
	struct izo_upcall_head *h;

	if (!m)
		return NULL;
	m->len = len;
	h = (struct izo_upcall_head *)m->bytes;
	h->magic = cpu_to_le32(IZO_UPCALL_MAGIC);
	h->len = cpu_to_le32(len);
	h->format = cpu_to_le16(IZO_UPCALL_FORMAT_V1);
	h->kind = cpu_to_le16(kind);
	h->id = cpu_to_le64(id);
	h->fileset_len = cpu_to_le16(fs_len);
	h->path_len = cpu_to_le16(path_len);
	memcpy(m->bytes + IZO_UPCALL_HEAD_SIZE, fileset, fs_len);
	memcpy(m->bytes + IZO_UPCALL_HEAD_SIZE + fs_len, path, path_len);
	return m;
}

static struct izo_upcall_head *izo_head(struct izo_msg *m)
{
	return (struct izo_upcall_head *)m->bytes;
}

/* Queues m for Lento. With the device lock held. */
static void izo_send_locked(struct izo_device *dev, struct izo_msg *m)
{
	list_add_tail(&m->link, &dev->out);
	wake_up_interruptible(&dev->readable);
}

static void izo_reply_locked(struct izo_channel *ch, u16 kind, u64 id, int status, u64 recno)
{
	struct izo_msg *m = izo_msg_new(kind, id, ch->sbi->fileset, NULL, 0);

	if (!m) {
		pr_err(IZO_FS_NAME ": %s: out of memory for a reply to Lento\n", ch->sbi->fileset);
		return;
	}
	izo_head(m)->status = cpu_to_le32(status);
	izo_head(m)->recno = cpu_to_le64(recno);
	if (kind == IZO_UP_ATTACHED)
		izo_head(m)->version.host = cpu_to_le64(ch->sbi->host);
	izo_send_locked(ch->dev, m);
}

/* ---- Lento and the permit -------------------------------------------------------- */

bool izo_current_is_lento(struct izo_sb_info *sbi)
{
	struct izo_channel *ch = sbi->channel;

	return ch && READ_ONCE(ch->lento) == task_tgid(current);
}

/* A request to Lento, then a wait for its reply; the reply's status or `timeout_err`. */
static int izo_request(struct izo_channel *ch, u16 kind, const char *path, size_t path_len,
		       struct izo_version v, unsigned int wait_s, int timeout_err)
{
	struct izo_device *dev = ch->dev;
	struct izo_waiter w = { .id = 0 };
	struct izo_msg *m;
	long left;
	int err;

	mutex_lock(&dev->lock);
	if (!ch->lento) {
		mutex_unlock(&dev->lock);
		return timeout_err;
	}
	w.id = ++ch->next_id;
	m = izo_msg_new(kind, w.id, ch->sbi->fileset, path, path_len);
	if (!m) {
		mutex_unlock(&dev->lock);
		return -ENOMEM;
	}
	izo_head(m)->pid = cpu_to_le32(task_tgid_nr(current));
	izo_head(m)->version.host = cpu_to_le64(v.host);
	izo_head(m)->version.seq = cpu_to_le64(v.seq);
	list_add_tail(&w.link, &ch->waiters);
	izo_send_locked(dev, m);
	mutex_unlock(&dev->lock);

	left = wait_event_interruptible_timeout(ch->changed, READ_ONCE(w.done),
						(long)wait_s * HZ);
	mutex_lock(&dev->lock);
	list_del(&w.link);
	if (w.done)
		err = w.status ? -w.status : 0;
	else if (left < 0)
		err = -EINTR;
	else
		err = timeout_err;
	mutex_unlock(&dev->lock);
	return err;
}

int izo_begin_update(struct izo_sb_info *sbi)
{
	struct izo_channel *ch = sbi->channel;
	struct izo_device *dev;
	int err;

	if (!ch || izo_current_is_lento(sbi))
		return 0;
	dev = ch->dev;
	for (;;) {
		mutex_lock(&dev->lock);
		if (!ch->lento) {
			mutex_unlock(&dev->lock);
			return -EROFS;
		}
		if (ch->permit && !ch->revoking) {
			ch->in_progress++;
			mutex_unlock(&dev->lock);
			return 1;
		}
		if (ch->revoking) {
			/* Given back first; then asked for again. */
			mutex_unlock(&dev->lock);
			if (wait_event_interruptible_timeout(ch->changed, !READ_ONCE(ch->revoking),
							     (long)permit_wait * HZ) <= 0)
				return -EROFS;
			continue;
		}
		mutex_unlock(&dev->lock);
		err = izo_request(ch, IZO_UP_PERMIT, NULL, 0, (struct izo_version){ 0, 0 },
				  permit_wait, -EROFS);
		if (err)
			return err == -EINTR ? err : -EROFS;
		mutex_lock(&dev->lock);
		if (ch->lento)
			ch->permit = true;
		mutex_unlock(&dev->lock);
	}
}

static void izo_maybe_return_permit_locked(struct izo_channel *ch)
{
	if (ch->revoking && ch->in_progress == 0) {
		ch->permit = false;
		ch->revoking = false;
		izo_reply_locked(ch, IZO_UP_PERMIT_RETURNED, 0, 0, 0);
		wake_up_all(&ch->changed);
	}
}

void izo_end_update(struct izo_sb_info *sbi, int counted)
{
	struct izo_channel *ch = sbi->channel;

	if (!ch || counted <= 0)
		return;
	mutex_lock(&ch->dev->lock);
	ch->in_progress--;
	izo_maybe_return_permit_locked(ch);
	mutex_unlock(&ch->dev->lock);
}

int izo_fetch(struct izo_sb_info *sbi, const char *path, size_t path_len, struct izo_version v)
{
	if (!sbi->channel || izo_current_is_lento(sbi))
		return 0;
	return izo_request(sbi->channel, IZO_UP_FETCH, path, path_len, v, fetch_wait, -EIO);
}

void izo_kml_written(struct izo_sb_info *sbi, u64 recno)
{
	struct izo_channel *ch = sbi->channel;
	struct izo_msg *m;

	if (!ch)
		return;
	mutex_lock(&ch->dev->lock);
	if (!ch->lento) {
		mutex_unlock(&ch->dev->lock);
		return;
	}
	/* Notices coalesce: one still queued for this fileset carries the new end. */
	list_for_each_entry(m, &ch->dev->out, link) {
		struct izo_upcall_head *h = izo_head(m);

		if (le16_to_cpu(h->kind) == IZO_UP_KML_WRITTEN &&
		    le16_to_cpu(h->fileset_len) == strlen(sbi->fileset) &&
		    !memcmp(m->bytes + IZO_UPCALL_HEAD_SIZE, sbi->fileset, strlen(sbi->fileset))) {
			h->recno = cpu_to_le64(recno);
			mutex_unlock(&ch->dev->lock);
			return;
		}
	}
	izo_reply_locked(ch, IZO_UP_KML_WRITTEN, 0, 0, recno);
	mutex_unlock(&ch->dev->lock);
}

/* Lento went: waiting requests fail, the permit is gone. With the device lock held. */
static void izo_detach_locked(struct izo_channel *ch)
{
	struct izo_waiter *w;

	if (ch->lento)
		pr_info(IZO_FS_NAME ": %s: Lento detached\n", ch->sbi->fileset);
	put_pid(ch->lento);
	ch->lento = NULL;
	ch->lento_file = NULL;
	ch->permit = false;
	ch->revoking = false;
	list_for_each_entry(w, &ch->waiters, link) {
		w->done = true;
		w->status = EROFS;
	}
	wake_up_all(&ch->changed);
}

/* ---- what Lento writes ------------------------------------------------------------- */

static struct izo_channel *izo_channel_named(struct izo_device *dev, const char *name, size_t len)
{
	struct izo_channel *ch;

	list_for_each_entry(ch, &dev->channels, link)
		if (strlen(ch->sbi->fileset) == len && !memcmp(ch->sbi->fileset, name, len))
			return ch;
	return NULL;
}

static void izo_complete_locked(struct izo_channel *ch, u64 id, u32 status)
{
	struct izo_waiter *w;

	list_for_each_entry(w, &ch->waiters, link) {
		if (w->id == id) {
			w->done = true;
			w->status = status;
			wake_up_all(&ch->changed);
			return;
		}
	}
	/* A late reply (its request timed out): nothing waits for it. */
}

/* One message from Lento; 0 or the errno its write(2) fails with. */
/*
 * Work that sleeps (a KML sync or append) is done without the device lock;
 * while it runs, busy keeps unmount waiting. Called with dev->lock held,
 * returns without it; izo_busy_end takes it back.
 */
static void izo_busy_begin(struct izo_device *dev, struct izo_channel *ch)
{
	ch->busy++;
	mutex_unlock(&dev->lock);
}

static void izo_busy_end(struct izo_device *dev, struct izo_channel *ch)
{
	mutex_lock(&dev->lock);
	ch->busy--;
	wake_up_all(&ch->changed);
}

static int izo_dispatch(struct izo_device *dev, struct file *file, u8 *bytes, size_t len)
{
	struct izo_upcall_head *h = (struct izo_upcall_head *)bytes;
	size_t fs_len, path_len, data_len;
	struct izo_channel *ch;
	u16 kind;
	u64 id;
	int err = 0;

	if (len < IZO_UPCALL_HEAD_SIZE || le32_to_cpu(h->magic) != IZO_UPCALL_MAGIC ||
	    le16_to_cpu(h->format) != IZO_UPCALL_FORMAT_V1 || le32_to_cpu(h->len) != len ||
	    h->reserved)
		return -EINVAL;
	fs_len = le16_to_cpu(h->fileset_len);
	path_len = le16_to_cpu(h->path_len);
	data_len = le32_to_cpu(h->data_len);
	if (IZO_UPCALL_HEAD_SIZE + fs_len + path_len + data_len != len || fs_len == 0 ||
	    fs_len > IZO_UPCALL_MAX_FILESET)
		return -EINVAL;
	kind = le16_to_cpu(h->kind);
	id = le64_to_cpu(h->id);
	if ((data_len != 0) != (kind == IZO_DOWN_JOURNAL) || path_len != 0)
		return -EINVAL;

	mutex_lock(&dev->lock);
	ch = izo_channel_named(dev, (char *)bytes + IZO_UPCALL_HEAD_SIZE, fs_len);
	if (!ch) {
		err = -ENOENT; /* no such fileset mounted on this device */
		goto out;
	}
	if (kind != IZO_DOWN_ATTACH && ch->lento != task_tgid(current)) {
		err = -EPERM; /* only the attached Lento speaks for the fileset */
		goto out;
	}
	switch (kind) {
	case IZO_DOWN_ATTACH:
		if (!capable(CAP_SYS_ADMIN)) {
			err = -EPERM;
			break;
		}
		if (ch->lento && ch->lento != task_tgid(current)) {
			err = -EBUSY;
			break;
		}
		put_pid(ch->lento);
		ch->lento = get_pid(task_tgid(current));
		ch->lento_file = file;
		izo_busy_begin(dev, ch);
		err = izo_kml_sync(&ch->sbi->kml);
		izo_busy_end(dev, ch);
		if (!err && ch->lento == task_tgid(current)) {
			pr_info(IZO_FS_NAME ": %s: Lento (pid %d) attached\n", ch->sbi->fileset,
				task_tgid_nr(current));
			izo_reply_locked(ch, IZO_UP_ATTACHED, id, 0, ch->sbi->kml.durable_recno);
		}
		break;
	case IZO_DOWN_PERMIT_REPLY:
	case IZO_DOWN_FETCH_REPLY:
		izo_complete_locked(ch, id, le32_to_cpu(h->status));
		break;
	case IZO_DOWN_REVOKE:
		if (ch->permit) {
			ch->revoking = true;
			izo_maybe_return_permit_locked(ch);
		} else {
			izo_reply_locked(ch, IZO_UP_PERMIT_RETURNED, 0, 0, 0);
		}
		break;
	case IZO_DOWN_DETACH:
		izo_detach_locked(ch);
		break;
	case IZO_DOWN_JOURNAL: {
		struct izo_sb_info *sbi = ch->sbi;
		s64 recno;

		izo_busy_begin(dev, ch);
		mutex_lock(&sbi->update_lock);
		recno = izo_kml_append_raw(&sbi->kml, sbi->host, bytes + len - data_len, data_len);
		mutex_unlock(&sbi->update_lock);
		izo_busy_end(dev, ch);
		izo_reply_locked(ch, IZO_UP_JOURNALED, id, recno < 0 ? (int)-recno : 0,
				 recno < 0 ? 0 : recno);
		break;
	}
	case IZO_DOWN_SYNC: {
		int serr;

		izo_busy_begin(dev, ch);
		serr = izo_kml_sync(&ch->sbi->kml);
		izo_busy_end(dev, ch);
		izo_reply_locked(ch, IZO_UP_JOURNALED, id, serr < 0 ? -serr : 0,
				 ch->sbi->kml.durable_recno);
		break;
	}
	default:
		err = -EINVAL;
	}
out:
	mutex_unlock(&dev->lock);
	return err;
}

/* ---- the character device ----------------------------------------------------------- */

static struct izo_device *izo_dev_of(struct file *file)
{
	return container_of(file->private_data, struct izo_device, misc);
}

static ssize_t izo_dev_read(struct file *file, char __user *buf, size_t n, loff_t *pos)
{
	struct izo_device *dev = izo_dev_of(file);
	struct izo_msg *m;
	ssize_t ret;

	for (;;) {
		mutex_lock(&dev->lock);
		m = list_first_entry_or_null(&dev->out, struct izo_msg, link);
		if (m)
			break;
		mutex_unlock(&dev->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(dev->readable, !list_empty(&dev->out)))
			return -ERESTARTSYS;
	}
	if (n < m->len) {
		mutex_unlock(&dev->lock);
		return -EMSGSIZE;
	}
	list_del(&m->link);
	mutex_unlock(&dev->lock);
	ret = copy_to_user(buf, m->bytes, m->len) ? -EFAULT : (ssize_t)m->len;
	kfree(m);
	return ret;
}

static ssize_t izo_dev_write(struct file *file, const char __user *buf, size_t n, loff_t *pos)
{
	u8 *bytes;
	int err;

	if (n < IZO_UPCALL_HEAD_SIZE || n > IZO_MSG_MAX)
		return -EINVAL;
	bytes = kvmalloc(n, GFP_KERNEL);
	if (!bytes)
		return -ENOMEM;
	if (copy_from_user(bytes, buf, n)) {
		kvfree(bytes);
		return -EFAULT;
	}
	err = izo_dispatch(izo_dev_of(file), file, bytes, n);
	kvfree(bytes);
	return err ? err : (ssize_t)n;
}

static __poll_t izo_dev_poll(struct file *file, poll_table *wait)
{
	struct izo_device *dev = izo_dev_of(file);
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &dev->readable, wait);
	mutex_lock(&dev->lock);
	if (!list_empty(&dev->out))
		mask |= EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&dev->lock);
	return mask;
}

static int izo_dev_release(struct inode *inode, struct file *file)
{
	struct izo_device *dev = izo_dev_of(file);
	struct izo_channel *ch;

	mutex_lock(&dev->lock);
	list_for_each_entry(ch, &dev->channels, link)
		if (ch->lento_file == file)
			izo_detach_locked(ch);
	mutex_unlock(&dev->lock);
	return 0;
}

static const struct file_operations izo_dev_fops = {
	.owner = THIS_MODULE,
	.read = izo_dev_read,
	.write = izo_dev_write,
	.poll = izo_dev_poll,
	.release = izo_dev_release,
	.llseek = no_llseek,
};

/* ---- mounts and the module ----------------------------------------------------------- */

int izo_channel_bind(struct izo_sb_info *sbi, const char *devpath)
{
	struct path path;
	struct izo_channel *ch;
	dev_t rdev;
	int i, err;

	err = kern_path(devpath, LOOKUP_FOLLOW, &path);
	if (err) {
		pr_err(IZO_FS_NAME ": prestodev=%s: not found (error %d)\n", devpath, err);
		return err;
	}
	rdev = d_inode(path.dentry)->i_rdev;
	i = S_ISCHR(d_inode(path.dentry)->i_mode) ? 0 : IZO_DEVICES;
	path_put(&path);
	for (; i < IZO_DEVICES; i++)
		if (izo_devices[i].misc.this_device && izo_devices[i].misc.this_device->devt == rdev)
			break;
	if (i == IZO_DEVICES) {
		pr_err(IZO_FS_NAME ": prestodev=%s: not an intermezzo device\n", devpath);
		return -EINVAL;
	}
	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return -ENOMEM;
	ch->sbi = sbi;
	ch->dev = &izo_devices[i];
	INIT_LIST_HEAD(&ch->waiters);
	init_waitqueue_head(&ch->changed);
	mutex_lock(&ch->dev->lock);
	if (izo_channel_named(ch->dev, sbi->fileset, strlen(sbi->fileset))) {
		mutex_unlock(&ch->dev->lock);
		kfree(ch);
		pr_err(IZO_FS_NAME ": fileset %s is already mounted on %s\n", sbi->fileset, devpath);
		return -EBUSY;
	}
	list_add_tail(&ch->link, &ch->dev->channels);
	mutex_unlock(&ch->dev->lock);
	sbi->channel = ch;
	return 0;
}

void izo_channel_unbind(struct izo_sb_info *sbi)
{
	struct izo_channel *ch = sbi->channel;

	if (!ch)
		return;
	mutex_lock(&ch->dev->lock);
	izo_detach_locked(ch);
	list_del(&ch->link); /* no new message reaches it */
	mutex_unlock(&ch->dev->lock);
	/* A JOURNAL or SYNC under way finishes before the journal goes. */
	wait_event(ch->changed, READ_ONCE(ch->busy) == 0);
	put_pid(ch->lento);
	kfree(ch);
	sbi->channel = NULL;
}

int izo_devices_init(void)
{
	int i, err;

	for (i = 0; i < IZO_DEVICES; i++) {
		struct izo_device *dev = &izo_devices[i];

		snprintf(dev->name, sizeof(dev->name), "intermezzo%d", i);
		mutex_init(&dev->lock);
		INIT_LIST_HEAD(&dev->out);
		INIT_LIST_HEAD(&dev->channels);
		init_waitqueue_head(&dev->readable);
		dev->misc.minor = MISC_DYNAMIC_MINOR;
		dev->misc.name = dev->name;
		dev->misc.fops = &izo_dev_fops;
		dev->misc.mode = 0600;
		err = misc_register(&dev->misc);
		if (err) {
			while (i--)
				misc_deregister(&izo_devices[i].misc);
			return err;
		}
	}
	return 0;
}

void izo_devices_exit(void)
{
	int i;

	for (i = 0; i < IZO_DEVICES; i++) {
		struct izo_msg *m, *next;

		misc_deregister(&izo_devices[i].misc);
		list_for_each_entry_safe(m, next, &izo_devices[i].out, link)
			kfree(m);
	}
}
