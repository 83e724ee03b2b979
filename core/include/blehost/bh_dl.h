/* Internal to libblehost (not installed): fills a table of function
 * pointers from a shared library opened with dlopen. The stack loads
 * libcrypto and libusb this way on first use, so a process that never
 * needs them does not map them (bench/README.md, "Peak RSS"). */
#ifndef BH_DL_H
#define BH_DL_H

#include <stdbool.h>
#include <stddef.h>

/* One table member: the symbol to look up and the member's offset. */
struct bh_dl_sym {
	const char *sym;
	size_t off;
	bool optional; /* left NULL when the library lacks it */
};

/* Opens soname (RTLD_NOW | RTLD_LOCAL) and stores each symbol's address
 * at its offset in table (table_size bytes). BH_OK: *handle is the open
 * library, to be kept as long as the table is used. BH_ENOTSUP: the table
 * is zeroed, *handle is NULL, and either *missing names the first required
 * symbol the library lacks, or *missing is NULL and *why says why dlopen
 * failed. */
int bh_dl_load(const char *soname, const struct bh_dl_sym *syms, size_t n, void *table,
	       size_t table_size, void **handle, const char **missing, const char **why);

#endif
