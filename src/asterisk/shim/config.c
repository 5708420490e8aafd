/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The configuration reader: every entry of grouppickup.conf, with the file
 * and line it came from, for Rust to check and build a configuration of.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include <limits.h>
#ifdef __GLIBC__
/* From glibc's <malloc.h>, which Asterisk's allocator macros do not allow. */
extern int malloc_trim(size_t pad);
#endif

#include "asterisk/config.h"
#include "asterisk/paths.h"
#include "asterisk/utils.h"

#include "shim.h"

int gp_config_read(const char *filename, gp_config_visitor visit, void *ctx)
{
	struct ast_flags flags = { 0 };
	struct ast_config *cfg;
	char *category = NULL;
	char path[PATH_MAX];

	cfg = ast_config_load2(filename, GP_REGISTRAR, flags);
	if (!cfg) {
		return GP_CONFIG_MISSING;
	}
	if (cfg == CONFIG_STATUS_FILEINVALID) {
		return GP_CONFIG_INVALID;
	}

	while ((category = ast_category_browse(cfg, category))) {
		struct ast_variable *var;
		struct gp_config_entry entry = {
			.section = category,
			.file = filename,
		};

		snprintf(path, sizeof(path), "%s/%s", ast_config_AST_CONFIG_DIR, filename);
		entry.file = path;
		visit(ctx, &entry);
		for (var = ast_variable_browse(cfg, category); var; var = var->next) {
			if (var->file && var->file[0] == '/') {
				ast_copy_string(path, var->file, sizeof(path));
			} else {
				snprintf(path, sizeof(path), "%s/%s", ast_config_AST_CONFIG_DIR,
					!ast_strlen_zero(var->file) ? var->file : filename);
			}
			entry.key = var->name;
			entry.value = var->value;
			entry.file = path;
			entry.line = var->lineno;
			visit(ctx, &entry);
		}
	}
	ast_config_destroy(cfg);
	/* Also after a file the module then refuses: the reload that refuses
	 * it returns before the trim a loaded configuration gets. */
	gp_memory_trim();
	return GP_CONFIG_OK;
}

/* Asterisk's configuration directory, for telling an unreadable
 * configuration file from a missing one. */
const char *gp_config_dir(void)
{
	return ast_config_AST_CONFIG_DIR;
}

void gp_memory_trim(void)
{
#ifdef __GLIBC__
	/*
	 * A reload runs on whichever thread the CLI or AMI command came in on,
	 * and glibc gives threads their own heaps: the memory of the replaced
	 * configuration goes back to one heap while the next reload allocates
	 * from another. Hand the free pages back to the system.
	 */
	malloc_trim(0);
#endif
}
