/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Asterisk's logger for Rust. Each line names the Rust file, line and
 * module that logged it, not this file.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/logger.h"
#include "asterisk/options.h"
#include "asterisk/utils.h"

#include "shim.h"

void gp_log(int level, const char *file, int line, const char *function, const char *message)
{
	/* What Asterisk's LOG_* and _A_ macros would pass, with Rust's place. */
	switch (level) {
	case GP_LOG_ERROR:
		ast_log(__LOG_ERROR, file, line, function, "%s\n", message);
		break;
	case GP_LOG_WARNING:
		ast_log(__LOG_WARNING, file, line, function, "%s\n", message);
		break;
	case GP_LOG_NOTICE:
		ast_log(__LOG_NOTICE, file, line, function, "%s\n", message);
		break;
	case GP_LOG_VERBOSE:
		/* As ast_verb(3, ...) does. */
		if (VERBOSITY_ATLEAST(3)) {
			__ast_verbose(file, line, function, 3, "%s\n", message);
		}
		break;
	default:
		/* As ast_debug(1, ...) does. */
		if (DEBUG_ATLEAST(1)) {
			ast_log(__LOG_DEBUG, file, line, function, "%s\n", message);
		}
		break;
	}
}
