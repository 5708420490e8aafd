/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Asterisk's database (AstDB), where runtime group assignments persist.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/astdb.h"

#include "shim.h"

void gp_db_read(const char *family, gp_db_visitor visit, void *ctx)
{
	struct ast_db_entry *tree = ast_db_gettree(family, NULL);
	struct ast_db_entry *entry;
	size_t prefix = strlen(family) + 2; /* keys come as /family/key */

	for (entry = tree; entry; entry = entry->next) {
		if (strlen(entry->key) > prefix) {
			visit(ctx, entry->key + prefix, entry->data);
		}
	}
	ast_db_freetree(tree);
}

int gp_db_put(const char *family, const char *key, const char *value)
{
	return ast_db_put(family, key, value);
}

int gp_db_del(const char *family, const char *key)
{
	return ast_db_del(family, key);
}
