/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The AMI: the actions, the answers Rust gives to them, and the events of
 * class `call`.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/manager.h"
#include "asterisk/module.h"
#include "asterisk/strings.h"

#include "shim.h"

struct gp_ami_session {
	struct mansession *s;
	const struct message *m;
};

void gp_ami_error(struct gp_ami_session *session, const char *message)
{
	astman_send_error(session->s, session->m, (char *) message);
}

void gp_ami_ack(struct gp_ami_session *session, const char *message)
{
	astman_send_ack(session->s, session->m, (char *) message);
}

void gp_ami_list_start(struct gp_ami_session *session, const char *message)
{
	astman_send_listack(session->s, session->m, (char *) message, "start");
}

void gp_ami_list_item(struct gp_ami_session *session, const char *event, const char *headers)
{
	const char *id = astman_get_header(session->m, "ActionID");

	astman_append(session->s, "Event: %s\r\n", event);
	if (!ast_strlen_zero(id)) {
		astman_append(session->s, "ActionID: %s\r\n", id);
	}
	astman_append(session->s, "%s\r\n", headers);
}

void gp_ami_list_end(struct gp_ami_session *session, const char *event, int count)
{
	astman_send_list_complete_start(session->s, session->m, event, count);
	astman_send_list_complete_end(session->s);
}

void gp_ami_event(const char *event, const char *headers)
{
	manager_event(EVENT_FLAG_CALL, event, "%s", headers);
}

static int ami_run(struct mansession *s, const struct message *m, enum gp_ami_action action)
{
	struct gp_ami_session session = { .s = s, .m = m };

	gp_rs_ami(action, &session, astman_get_header(m, "User"), astman_get_header(m, "Group"));
	return 0;
}

static int ami_show(struct mansession *s, const struct message *m)
{
	return ami_run(s, m, GP_AMI_SHOW);
}

static int ami_set_user(struct mansession *s, const struct message *m)
{
	return ami_run(s, m, GP_AMI_SET_USER);
}

static int ami_clear_user(struct mansession *s, const struct message *m)
{
	return ami_run(s, m, GP_AMI_CLEAR_USER);
}

int gp_ami_load(void)
{
	if (ast_manager_register_xml("GroupPickupShow", EVENT_FLAG_CALL | EVENT_FLAG_REPORTING, ami_show)
		|| ast_manager_register_xml("GroupPickupSetUser", EVENT_FLAG_CONFIG, ami_set_user)
		|| ast_manager_register_xml("GroupPickupClearUser", EVENT_FLAG_CONFIG, ami_clear_user)) {
		gp_ami_unload();
		return -1;
	}
	return 0;
}

void gp_ami_unload(void)
{
	ast_manager_unregister("GroupPickupClearUser");
	ast_manager_unregister("GroupPickupSetUser");
	ast_manager_unregister("GroupPickupShow");
}
