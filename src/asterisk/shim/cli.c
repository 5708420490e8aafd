/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The `grouppickup` CLI commands; Rust runs them and completes their
 * arguments.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/cli.h"
#include "asterisk/utils.h"

#include "shim.h"

static char *cli_run(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a,
	const char *command, const char *usage, enum gp_cli_command which)
{
	char *text = NULL;
	char *completion;
	int res;

	switch (cmd) {
	case CLI_INIT:
		e->command = (char *) command;
		e->usage = usage;
		return NULL;
	case CLI_GENERATE:
		/* Asterisk frees the completion with ast_free(). */
		text = gp_rs_cli_complete(which, a->pos, a->word ? a->word : "", a->n);
		completion = text ? ast_strdup(text) : NULL;
		gp_rs_free(text);
		return completion;
	}

	res = gp_rs_cli(which, a->argc, a->argv, &text);
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

#define CLI_COMMAND(fn, command, usage, which) \
	static char *fn(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a) \
	{ \
		return cli_run(e, cmd, a, command, usage, which); \
	}

CLI_COMMAND(cli_show_ranges, "grouppickup show ranges",
	"Usage: grouppickup show ranges\n"
	"       Lists the ranges of group numbers and the context they are registered in.\n",
	GP_CLI_SHOW_RANGES)

CLI_COMMAND(cli_show_groups, "grouppickup show groups",
	"Usage: grouppickup show groups\n"
	"       Lists the group numbers in use: members, settings and calls ringing now.\n",
	GP_CLI_SHOW_GROUPS)

CLI_COMMAND(cli_show_group, "grouppickup show group",
	"Usage: grouppickup show group <number>\n"
	"       Shows one group: its settings, its members and the calls ringing in it\n"
	"       now, oldest first.\n",
	GP_CLI_SHOW_GROUP)

CLI_COMMAND(cli_show_user, "grouppickup show user",
	"Usage: grouppickup show user <user>\n"
	"       Shows a user: devices, group, whether the group comes from\n"
	"       grouppickup.conf or from a runtime change, and exclusions.\n",
	GP_CLI_SHOW_USER)

CLI_COMMAND(cli_show_ringing, "grouppickup show ringing",
	"Usage: grouppickup show ringing\n"
	"       Lists the pickable calls ringing now, oldest first.\n",
	GP_CLI_SHOW_RINGING)

CLI_COMMAND(cli_show_stats, "grouppickup show stats",
	"Usage: grouppickup show stats\n"
	"       Counters since load: calls tracked, pickups, failures by reason,\n"
	"       and the calls ringing now.\n",
	GP_CLI_SHOW_STATS)

CLI_COMMAND(cli_set_user, "grouppickup set user",
	"Usage: grouppickup set user <user> group <number>\n"
	"       Makes <user> a member of group <number> (and of no other group) at once.\n"
	"       The change is kept in the AstDB (family grouppickup) and survives\n"
	"       restarts, on top of grouppickup.conf.\n",
	GP_CLI_SET_USER)

CLI_COMMAND(cli_clear_user, "grouppickup clear user",
	"Usage: grouppickup clear user <user>\n"
	"       Takes <user> out of its group at once. The change is kept in the AstDB\n"
	"       (family grouppickup) and survives restarts, on top of grouppickup.conf.\n",
	GP_CLI_CLEAR_USER)

static struct ast_cli_entry cli_entries[] = {
	AST_CLI_DEFINE(cli_show_ranges, "Show group call pickup ranges"),
	AST_CLI_DEFINE(cli_show_groups, "Show group call pickup groups"),
	AST_CLI_DEFINE(cli_show_group, "Show one group call pickup group"),
	AST_CLI_DEFINE(cli_show_user, "Show a group call pickup user"),
	AST_CLI_DEFINE(cli_show_ringing, "Show calls that can be picked up now"),
	AST_CLI_DEFINE(cli_show_stats, "Show group call pickup statistics"),
	AST_CLI_DEFINE(cli_set_user, "Assign a user to a group call pickup group"),
	AST_CLI_DEFINE(cli_clear_user, "Take a user out of its group call pickup group"),
};

int gp_cli_load(void)
{
	return ast_cli_register_multiple(cli_entries, ARRAY_LEN(cli_entries)) ? -1 : 0;
}

void gp_cli_unload(void)
{
	ast_cli_unregister_multiple(cli_entries, ARRAY_LEN(cli_entries));
}
