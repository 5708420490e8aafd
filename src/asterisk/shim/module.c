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

#include "asterisk/buildopts.h"
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

/* The reverse of load_module(), except that the channel events stop first:
 * that waits for a handler still running, and no new one starts while the
 * rest is taken down. Safe after a load that failed half way. */
static int unload_module(void)
{
	gp_events_unload();
#ifdef GP_BENCH
	gp_bench_unload();
#endif
	gp_metrics_unload();
	gp_boot_unload();
	gp_cli_unload();
	gp_ami_unload();
	gp_functions_unload();
	gp_channel_unload();
	gp_rs_unload();
	gp_devstate_unload();
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
		|| gp_channel_load()
		|| gp_functions_load()
		|| gp_ami_load()
		|| gp_cli_load()
		|| gp_boot_load()
		|| gp_metrics_load()
#ifdef GP_BENCH
		|| gp_bench_load()
#endif
		) {
		unload_module();
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
