/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Text messages (a SIP MESSAGE for pjsip: destinations) telling a callee
 * who picked up the call.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/message.h"
#include "asterisk/module.h"

#include "shim.h"

int gp_message_send(const char *to, const char *body)
{
	struct ast_msg *msg;

	/*
	 * ast_msg_send() releases the message on every path but one: a
	 * destination whose technology has no message support, where it keeps
	 * it (a leak per message). Only PJSIP devices can get text messages,
	 * and only while res_pjsip_messaging provides them; ask for nothing
	 * else.
	 */
	if (strncasecmp(to, "pjsip:", 6) || !ast_module_check("res_pjsip_messaging.so")) {
		return -1;
	}
	msg = ast_msg_alloc();
	if (!msg) {
		return -1;
	}
	if (ast_msg_set_to(msg, "%s", to) || ast_msg_set_body(msg, "%s", body)) {
		ast_msg_destroy(msg);
		return -1;
	}
	return ast_msg_send(msg, to, "");
}
