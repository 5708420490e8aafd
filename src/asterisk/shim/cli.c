/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The `grouppickup` CLI commands. Rust declares them (src/asterisk/cli.rs:
 * words, summary, usage, completions), runs them and completes their
 * arguments; this file builds Asterisk's CLI entries from that table at
 * load and removes them at unload.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/cli.h"
#include "asterisk/utils.h"

#include "shim.h"

/* Asterisk's entries and Rust's commands, index for index; the strings are
 * Rust's, valid while the module is loaded. */
static struct ast_cli_entry *entries;
static struct gp_cli_command *commands;
static int count;

static char *handler(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	int index = e - entries;
	char *text = NULL;
	char *completion;
	int res;

	switch (cmd) {
	case CLI_INIT:
		e->command = (char *) commands[index].command;
		e->usage = commands[index].usage;
		return NULL;
	case CLI_GENERATE:
		/* Asterisk frees the completion with ast_free(). */
		text = gp_rs_cli_complete(index, a->pos, a->word ? a->word : "", a->n);
		completion = text ? ast_strdup(text) : NULL;
		gp_rs_free(text);
		return completion;
	}

	res = gp_rs_cli(index, a->argc, a->argv, &text);
	if (text) {
		ast_cli(a->fd, "%s", text);
		gp_rs_free(text);
	}
	switch (res) {
	case GP_CLI_OK:
		return CLI_SUCCESS;
	case GP_CLI_USAGE:
		return CLI_SHOWUSAGE;
	default:
		return CLI_FAILURE;
	}
}

static void entries_free(void)
{
	ast_free(entries);
	ast_free(commands);
	entries = NULL;
	commands = NULL;
	count = 0;
}

int gp_cli_load(void)
{
	int n = gp_rs_cli_command_count();
	int i;

	if (n <= 0) {
		return 0;
	}
	entries = ast_calloc(n, sizeof(*entries));
	commands = ast_calloc(n, sizeof(*commands));
	if (!entries || !commands) {
		entries_free();
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (gp_rs_cli_command(i, &commands[i])) {
			entries_free();
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		/* The summary is a const member, so the entry is made whole, as
		 * AST_CLI_DEFINE() makes it, and copied into the array. */
		struct ast_cli_entry entry = {
			.handler = handler,
			.summary = commands[i].summary,
		};

		memcpy(&entries[i], &entry, sizeof(entry));
	}
	count = n;
	if (ast_cli_register_multiple(entries, count)) {
		gp_cli_unload();
		return -1;
	}
	return 0;
}

void gp_cli_unload(void)
{
	if (entries) {
		ast_cli_unregister_multiple(entries, count);
	}
	entries_free();
}
