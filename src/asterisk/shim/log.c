/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Asterisk's logger for Rust.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/logger.h"
#include "asterisk/options.h"
#include "asterisk/utils.h"

#include "shim.h"

void gp_log(int level, const char *message)
{
	switch (level) {
	case GP_LOG_ERROR:
		ast_log(LOG_ERROR, "%s\n", message);
		break;
	case GP_LOG_WARNING:
		ast_log(LOG_WARNING, "%s\n", message);
		break;
	case GP_LOG_NOTICE:
		ast_log(LOG_NOTICE, "%s\n", message);
		break;
	case GP_LOG_VERBOSE:
		ast_verb(3, "%s\n", message);
		break;
	default:
		ast_debug(1, "%s\n", message);
		break;
	}
}
