/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The dialplan: the context the group numbers are registered in, their
 * extensions and hints, all under the module's own registrar. Rust decides
 * what is registered and when.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/pbx.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"

#include "shim.h"

int gp_context_create(const char *context)
{
	return ast_context_find_or_create(NULL, NULL, context, GP_REGISTRAR) ? 0 : -1;
}

char *gp_context_extensions(const char *context)
{
	struct ast_context *con = NULL;
	struct ast_exten *exten = NULL;
	struct ast_str *out = ast_str_create(256);
	char *text;

	if (!out) {
		return NULL;
	}
	ast_rdlock_contexts();
	while ((con = ast_walk_contexts(con))) {
		if (!strcmp(ast_get_context_name(con), context)) {
			break;
		}
	}
	if (con) {
		ast_rdlock_context(con);
		while ((exten = ast_walk_context_extensions(con, exten))) {
			struct ast_exten *priority = NULL;
			int mine = 1;

			if (ast_get_extension_name(exten)[0] == '_') {
				continue;
			}
			while ((priority = ast_walk_extension_priorities(exten, priority))) {
				if (strcmp(ast_get_extension_registrar(priority), GP_REGISTRAR)) {
					mine = 0;
				}
			}
			ast_str_append(&out, 0, "%c%s\n", mine ? 'o' : 'f', ast_get_extension_name(exten));
		}
		ast_unlock_context(con);
	}
	ast_unlock_contexts();
	text = ast_strdup(ast_str_buffer(out));
	ast_free(out);
	return text;
}

void gp_text_free(char *text)
{
	ast_free(text);
}

int gp_extension_add(const char *context, const char *exten, const char *app, const char *data)
{
	char *copy = ast_strdup(data);

	if (!copy) {
		return -1;
	}
	/* Asterisk owns `copy` from here on, also when adding fails. */
	return ast_add_extension(context, 0, exten, 1, NULL, NULL, app, copy, ast_free_ptr, GP_REGISTRAR);
}

int gp_extension_remove(const char *context, const char *exten)
{
	/* Priority 0: every priority of the extension that is ours, hint included. */
	return ast_context_remove_extension(context, exten, 0, GP_REGISTRAR);
}

int gp_hint_add(const char *context, const char *exten, const char *device)
{
	/* The hint's device string is copied by Asterisk. */
	return ast_add_extension(context, 0, exten, PRIORITY_HINT, NULL, NULL, device, NULL, NULL, GP_REGISTRAR);
}

int gp_hint_remove(const char *context, const char *exten)
{
	return ast_context_remove_extension(context, exten, PRIORITY_HINT, GP_REGISTRAR);
}
