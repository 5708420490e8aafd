/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The end of Asterisk's start. The module loads before pbx_config (so the
 * context of the group numbers exists when pbx_config checks includes), so
 * at load the extensions of extensions.conf are not there yet; once
 * Asterisk is fully booted, Rust looks at the context again and reports
 * group numbers that are real extensions.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/json.h"
#include "asterisk/manager.h"
#include "asterisk/options.h"
#include "asterisk/stasis.h"

#include "shim.h"

static struct stasis_subscription *boot_sub;

static void on_manager_message(void *data, struct stasis_subscription *sub, struct stasis_message *message)
{
	struct ast_json_payload *payload;
	const char *type;

	if (stasis_message_type(message) != ast_manager_get_generic_type()) {
		return;
	}
	payload = stasis_message_data(message);
	type = ast_json_string_get(ast_json_object_get(payload->json, "type"));
	if (type && !strcmp(type, "FullyBooted")) {
		gp_rs_booted();
	}
}

int gp_boot_load(void)
{
	if (ast_fully_booted) {
		/* A load by hand: the dialplan is complete already. */
		return 0;
	}
	boot_sub = stasis_subscribe_pool(ast_manager_get_topic(), on_manager_message, NULL);
	if (!boot_sub) {
		return -1;
	}
	stasis_subscription_accept_message_type(boot_sub, ast_manager_get_generic_type());
	stasis_subscription_accept_message_type(boot_sub, stasis_subscription_change_type());
	stasis_subscription_set_filter(boot_sub, STASIS_SUBSCRIPTION_FILTER_SELECTIVE);
	return 0;
}

void gp_boot_unload(void)
{
	boot_sub = stasis_unsubscribe_and_join(boot_sub);
}
