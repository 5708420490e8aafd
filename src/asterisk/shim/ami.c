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

/* Rust's actions, as registered; the names are Rust's, valid while the
 * module is loaded. */
static struct gp_ami_action *actions;
static int count;

static int authority(int classes)
{
	return (classes & GP_AMI_CLASS_CALL ? EVENT_FLAG_CALL : 0)
		| (classes & GP_AMI_CLASS_REPORTING ? EVENT_FLAG_REPORTING : 0)
		| (classes & GP_AMI_CLASS_CONFIG ? EVENT_FLAG_CONFIG : 0);
}

/* The action a request is for, read as Asterisk's manager reads it to find
 * the handler: the first Action header that is not empty. */
static const char *action_name(const struct message *m)
{
	static const char key[] = "Action:";
	unsigned int i;

	for (i = 0; i < m->hdrcount; i++) {
		const char *value;

		if (strncasecmp(key, m->headers[i], sizeof(key) - 1)) {
			continue;
		}
		value = ast_skip_blanks(m->headers[i] + sizeof(key) - 1);
		if (!ast_strlen_zero(value)) {
			return value;
		}
	}
	return "";
}

/* Every action has this handler; the request's Action header says which
 * one it is (case-insensitive, as Asterisk matches it). */
static int handler(struct mansession *s, const struct message *m)
{
	struct gp_ami_session session = { .s = s, .m = m };
	const char *name = action_name(m);
	int index;

	for (index = 0; index < count; index++) {
		if (!strcasecmp(actions[index].name, name)) {
			gp_rs_ami(index, &session, astman_get_header(m, "User"), astman_get_header(m, "Group"));
			return 0;
		}
	}
	astman_send_error(s, m, "Unknown action");
	return 0;
}

int gp_ami_load(void)
{
	int n = gp_rs_ami_action_count();
	int i;

	if (n <= 0) {
		return 0;
	}
	actions = ast_calloc(n, sizeof(*actions));
	if (!actions) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (gp_rs_ami_action(i, &actions[i])) {
			ast_free(actions);
			actions = NULL;
			return -1;
		}
	}
	/* Without a synopsis, so Asterisk takes the help from the XML. */
	for (count = 0; count < n; count++) {
		if (ast_manager_register_xml(actions[count].name, authority(actions[count].classes), handler)) {
			gp_ami_unload();
			return -1;
		}
	}
	return 0;
}

void gp_ami_unload(void)
{
	while (count > 0) {
		ast_manager_unregister(actions[--count].name);
	}
	ast_free(actions);
	actions = NULL;
}
