/* Inside core: where bh_strerror gets its texts (bh_err_text.c, or
 * bh_err_text_off.c in a -Derror_text=false build). */
#ifndef BH_ERR_TEXT_H
#define BH_ERR_TEXT_H

#include <blehost/bh_err.h>

/* The text of a stack error, BH_ERR_MIN_ <= s <= 0. */
const char *bh_err_text(bh_status s);

#endif
