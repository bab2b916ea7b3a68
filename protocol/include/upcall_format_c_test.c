/*
 * The C view of the upcall layout: compiled as C11, as the kernel module is
 * C. It builds a PERMIT upcall through struct izo_upcall_head alone; the C++
 * test decodes it with upcall::decode, so both views must agree.
 */
#include <string.h>

#include "izo/upcall_format.h"

size_t izo_c_permit_upcall(uint8_t *buf, size_t cap, uint64_t id, uint32_t pid, const char *fileset);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
size_t izo_c_permit_upcall(uint8_t *buf, size_t cap, uint64_t id, uint32_t pid, const char *fileset)
{
	size_t flen = strlen(fileset);
	size_t len = IZO_UPCALL_HEAD_SIZE + flen;
	struct izo_upcall_head *h = (struct izo_upcall_head *)buf;

	if (len > cap || flen > IZO_UPCALL_MAX_FILESET)
		return 0;
	memset(buf, 0, len);
	h->magic = IZO_UPCALL_MAGIC;
	h->len = (izo_le32)len;
	h->format = IZO_UPCALL_FORMAT_V1;
	h->kind = IZO_UP_PERMIT;
	h->id = id;
	h->pid = pid;
	h->fileset_len = (izo_le16)flen;
	memcpy(buf + IZO_UPCALL_HEAD_SIZE, fileset, flen);
	return len;
}
#endif
