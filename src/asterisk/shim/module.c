/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The module: its registration with Asterisk, and load, unload and reload,
 * which call each facet of the shim and the Rust side in order. Every
 * decision is taken in Rust; the shim does what it is told and reports
 * what happened.
 *
 * The documentation of the application, the functions, the AMI actions and
 * events is in doc/grouppickup-en_US.xml, installed as Asterisk third-party
 * documentation: registering without synopsis makes Asterisk use it.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

/*** MODULEINFO
	<support_level>extended</support_level>
 ***/

#include "asterisk.h"

#include <unistd.h>

#include "asterisk/buildopts.h"
#include "asterisk/logger.h"
#include "asterisk/module.h"
#include "asterisk/paths.h"

#include "shim.h"

const char *gp_buildopt_sum(void)
{
	return AST_BUILDOPT_SUM;
}

const char *gp_system_name(void)
{
	return ast_config_AST_SYSTEM_NAME ? ast_config_AST_SYSTEM_NAME : "";
}

/* The ways in: the application, the functions, the AMI actions and the
 * CLI commands. Asterisk counts a channel in one of them as a user of the
 * module. */
static int entries_load(void)
{
	return gp_channel_load()
		|| gp_functions_load()
		|| gp_ami_load()
		|| gp_cli_load()
#ifdef GP_BENCH
		|| gp_bench_load()
#endif
		;
}

static void entries_unload(void)
{
#ifdef GP_BENCH
	gp_bench_unload();
#endif
	gp_cli_unload();
	gp_ami_unload();
	gp_functions_unload();
	gp_channel_unload();
}

/* The rest, in the reverse order of load_module(), except that the channel
 * events stop first: that waits for a handler still running, and no new
 * one starts while the rest is taken down. Safe after a load that failed
 * half way. */
static void state_unload(void)
{
	gp_events_unload();
	gp_metrics_unload();
	gp_boot_unload();
	gp_rs_unload();
	gp_devstate_unload();
}

static int usecount_of_self(const char *module, const char *description, int usecnt,
	const char *status, const char *like, enum ast_module_support_level support_level,
	void *data, const char *condition)
{
	/* The list names modules by file, app_grouppickup.so. */
	size_t len = strlen(AST_MODULE);

	if (strncmp(module, AST_MODULE, len) || (module[len] && strcmp(module + len, ".so"))) {
		return 0;
	}
	*(int *) data = usecnt;
	return 1;
}

/* The module's use count as Asterisk keeps it. Asterisk holds its module
 * list (a recursive lock) while it unloads; this takes it again. */
static int usecount(void)
{
	int count = 0;

	ast_update_module_list_condition(usecount_of_self, NULL, &count, NULL);
	return count;
}

/* How long an unload waits for users that came in after Asterisk's check. */
#define GP_UNLOAD_WAIT_MS 5000

/* Waits until no channel, CLI command or AMI action is in the module, up to
 * GP_UNLOAD_WAIT_MS: 0 once none is, -1 if one still is. */
static int wait_unused(void)
{
	int waited;

	for (waited = 0; usecount() > 0; waited++) {
		if (waited >= GP_UNLOAD_WAIT_MS) {
			return -1;
		}
		usleep(1000);
	}
	return 0;
}

/*
 * Asterisk refuses a soft unload while the module has users, but it checks
 * the count once, before calling this, and closes the shared object once
 * this returns: a picker whose GroupPickup() started after that check would
 * still be in the module then and run on into unmapped code. So the unload
 * first waits for the users that came in since (a pickup takes a
 * millisecond or two), then removes the ways in and waits again for one
 * that slipped in meanwhile; only then is the rest taken down. If one
 * stays longer, the unload is refused, as Asterisk refuses a module in use.
 */
static int unload_module(void)
{
#ifdef GP_FAULT_INJECTION
	gp_rs_fault_unload_pause();
#endif
	if (wait_unused()) {
		ast_log(LOG_WARNING, "grouppickup: still in use %d ms after the unload began; the module stays loaded\n",
			GP_UNLOAD_WAIT_MS);
		return -1;
	}
	entries_unload();
	if (wait_unused()) {
		ast_log(LOG_WARNING, "grouppickup: still in use %d ms after its entries were removed; the module stays loaded\n",
			GP_UNLOAD_WAIT_MS);
		if (entries_load()) {
			ast_log(LOG_ERROR, "grouppickup: could not register the application, functions, AMI actions and CLI commands again\n");
		}
		return -1;
	}
	state_unload();
	return 0;
}

static int load_module(void)
{
	/* The provider first: the hints Rust registers at load ask it at once. */
	if (gp_devstate_load()) {
		return AST_MODULE_LOAD_DECLINE;
	}
	/* The configuration, the module's state, extensions and hints. */
	if (gp_rs_load()) {
		gp_devstate_unload();
		return AST_MODULE_LOAD_DECLINE;
	}
	/* Once Rust has its state: the events feed it. */
	if (gp_events_load()
		|| entries_load()
		|| gp_boot_load()
		|| gp_metrics_load()) {
		entries_unload();
		state_unload();
		return AST_MODULE_LOAD_DECLINE;
	}
	return AST_MODULE_LOAD_SUCCESS;
}

static int reload_module(void)
{
	return gp_rs_reload() ? AST_MODULE_LOAD_DECLINE : AST_MODULE_LOAD_SUCCESS;
}

AST_MODULE_INFO(ASTERISK_GPL_KEY, AST_MODFLAG_LOAD_ORDER, "Group Call Pickup",
	.support_level = AST_MODULE_SUPPORT_EXTENDED,
	.load = load_module,
	.unload = unload_module,
	.reload = reload_module,
	/* Before pbx_config, as res_parking: the context of the group numbers
	 * exists when pbx_config checks the includes of extensions.conf, so
	 * "include => grouppickup" is not reported as a nonexistent context. */
	.load_pri = AST_MODPRI_DEVSTATE_PROVIDER,
	/* Started first when it is to be loaded at all, so the metrics can be
	 * registered there; never required (metrics.c looks it up). */
	.optional_modules = "res_prometheus",
);
