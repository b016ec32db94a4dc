/* api/api.h: what api/'s files share: the handle's last error.
 *
 * api/ implements floe.h over db/ (db/db.h): it checks arguments, calls
 * db/, and copies the floe_err db/ filled to the handle, where
 * floe_db_errmsg finds it. Nothing below api/ includes this header.
 */
#ifndef FLOE_API_API_H
#define FLOE_API_API_H

#include "db/db.h"

/* Record err as the handle's last error (under db->err_mu) and return its
 * code; db NULL just returns the code. */
int floe_db_set_error(floe_db *db, const floe_err *err);
/* Copy err into a caller's floe_error_info (msg "" and offset -1 on success). */
void floe_error_info_set(floe_error_info *info, const floe_err *err);

#endif
