/* Function tables from dlopen'd libraries; see <blehost/bh_dl.h>. */
#include <blehost/bh_dl.h>

#include <blehost/bh_err.h>

#include <dlfcn.h>
#include <string.h>

int bh_dl_load(const char *soname, const struct bh_dl_sym *syms, size_t n, void *table,
	       size_t table_size, void **handle, const char **missing, const char **why)
{
	memset(table, 0, table_size);
	*handle = NULL;
	*missing = NULL;
	*why = NULL;
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		*why = e ? e : "dlopen failed";
		return BH_ENOTSUP;
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(h, syms[i].sym);
		if (!f && !syms[i].optional) {
			dlclose(h);
			memset(table, 0, table_size);
			*missing = syms[i].sym;
			return BH_ENOTSUP;
		}
		/* POSIX: a function pointer and void * share a representation. */
		memcpy((char *)table + syms[i].off, &f, sizeof(f));
	}
	*handle = h;
	return BH_OK;
}
