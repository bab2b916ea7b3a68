/*
 * The C view of the KML layout: this file is compiled as C11 (as the kernel
 * module is C) and fills a record through struct izo_kml_head alone. The C++
 * test kml_format_c_view_test decodes it with kml::decode, so the two views of
 * the one header must agree byte for byte.
 */
#include <string.h>

#include "izo/kml_format.h"

uint32_t izo_test_crc32c(const uint8_t *data, size_t n);
size_t izo_c_mkdir_record(uint8_t *buf, size_t cap, uint64_t recno, const char *path);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Writes a mkdir record of `path` with number `recno` into buf; returns its size. */
size_t izo_c_mkdir_record(uint8_t *buf, size_t cap, uint64_t recno, const char *path)
{
	size_t plen = strlen(path);
	size_t len = IZO_KML_RECORD_LEN(plen);
	struct izo_kml_head *h = (struct izo_kml_head *)buf;
	struct izo_kml_tail *t;

	if (len > cap)
		return 0;
	memset(buf, 0, len);
	h->magic = IZO_KML_MAGIC;
	h->len = (izo_le32)len;
	h->recno = recno;
	h->format = IZO_KML_FORMAT_V1;
	h->opcode = IZO_KML_MKDIR;
	h->pid = 77;
	h->uid = 1000;
	h->gid = 100;
	h->path_len = (izo_le16)plen;
	h->versions[IZO_V_OBJ_NEW].host = 5;
	h->versions[IZO_V_OBJ_NEW].seq = 9;
	h->versions[IZO_V_PARENT_OLD].host = 5;
	h->versions[IZO_V_PARENT_OLD].seq = 1;
	h->versions[IZO_V_PARENT_NEW].host = 5;
	h->versions[IZO_V_PARENT_NEW].seq = 2;
	h->mode = 040750;
	memcpy(buf + IZO_KML_HEAD_SIZE, path, plen);
	t = (struct izo_kml_tail *)(buf + len - IZO_KML_TAIL_SIZE);
	t->crc32c = izo_test_crc32c(buf, len - IZO_KML_TAIL_SIZE);
	t->len = (izo_le32)len;
	return len;
}
#endif
