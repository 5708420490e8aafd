/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The metrics: when res_prometheus is loaded, a callback of its /metrics
 * page appends the page Rust renders. res_prometheus is never a link-time
 * dependency of this module: its two functions are looked up at load, so
 * the module loads and works as before without it.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include <dlfcn.h>

#include "asterisk/logger.h"
#include "asterisk/module.h"
#include "asterisk/res_prometheus.h"
#include "asterisk/strings.h"

#include "shim.h"

static void metrics_page(struct ast_str **output)
{
	char *text = gp_rs_metrics();

	if (text) {
		ast_str_append(output, 0, "%s", text);
		gp_rs_free(text);
	}
}

static struct prometheus_callback callback = {
	.name = "app_grouppickup",
	.callback_fn = metrics_page,
};

/* res_prometheus's unregister function, while the callback is registered. */
static void (*unregister)(struct prometheus_callback *callback);

int gp_metrics_load(void)
{
	int (*reg)(struct prometheus_callback *callback);

	if (!ast_module_check("res_prometheus.so")) {
		ast_verb(3, "grouppickup: res_prometheus is not loaded; no metrics\n");
		return 0;
	}
	reg = (int (*)(struct prometheus_callback *)) dlsym(RTLD_DEFAULT, "prometheus_callback_register");
	unregister = (void (*)(struct prometheus_callback *)) dlsym(RTLD_DEFAULT, "prometheus_callback_unregister");
	if (!reg || !unregister || reg(&callback)) {
		/* Metrics are extra: the module goes on without them. */
		ast_log(LOG_WARNING, "grouppickup: res_prometheus is loaded but the metrics could not be registered with it\n");
		unregister = NULL;
		return 0;
	}
	ast_verb(3, "grouppickup: metrics registered with res_prometheus\n");
	return 0;
}

void gp_metrics_unload(void)
{
	if (unregister) {
		unregister(&callback);
		unregister = NULL;
	}
}
