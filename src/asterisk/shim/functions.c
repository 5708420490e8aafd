/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The dialplan functions GROUPPICKUP_GROUP(user) and
 * GROUPPICKUP_RINGING(number); Rust computes their values.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/pbx.h"

#include "shim.h"

static int function_read(char *data, char *buf, size_t len, enum gp_function which)
{
	*buf = '\0';
	return gp_rs_function(which, data ? data : "", buf, len);
}

static int group_read(struct ast_channel *chan, const char *cmd, char *data, char *buf, size_t len)
{
	return function_read(data, buf, len, GP_FUNCTION_GROUP);
}

static int ringing_read(struct ast_channel *chan, const char *cmd, char *data, char *buf, size_t len)
{
	return function_read(data, buf, len, GP_FUNCTION_RINGING);
}

static struct ast_custom_function group_function = {
	.name = "GROUPPICKUP_GROUP",
	.read = group_read,
};

static struct ast_custom_function ringing_function = {
	.name = "GROUPPICKUP_RINGING",
	.read = ringing_read,
};

int gp_functions_load(void)
{
	if (ast_custom_function_register(&group_function)
		|| ast_custom_function_register(&ringing_function)) {
		gp_functions_unload();
		return -1;
	}
	return 0;
}

void gp_functions_unload(void)
{
	ast_custom_function_unregister(&ringing_function);
	ast_custom_function_unregister(&group_function);
}
