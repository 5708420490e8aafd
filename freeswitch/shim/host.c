/*
 * The host functions Rust calls (gp_fs_*): logging, configuration, sessions,
 * streams, events and presence, each a thin wrapper over FreeSWITCH's
 * macros and inline functions.
 */
#include <switch.h>
#include "gp_freeswitch.h"

void gp_fs_log(int level, const char *message)
{
	switch_log_level_t fs = SWITCH_LOG_DEBUG;

	switch (level) {
	case GP_FS_INFO: fs = SWITCH_LOG_INFO; break;
	case GP_FS_NOTICE: fs = SWITCH_LOG_NOTICE; break;
	case GP_FS_WARNING: fs = SWITCH_LOG_WARNING; break;
	case GP_FS_ERROR: fs = SWITCH_LOG_ERROR; break;
	default: break;
	}
	switch_log_printf(SWITCH_CHANNEL_LOG, fs, "%s\n", message);
}

static void report_attrs(switch_xml_t x, void *ctx, gp_fs_attr_fn attr)
{
	char **a = x->attr;
	int i;

	if (!a) return;
	for (i = 0; a[i] && a[i + 1]; i += 2) {
		attr(ctx, a[i], a[i + 1]);
	}
}

char *gp_fs_config_text(const char *name)
{
	switch_xml_t xml, cfg;
	char *text;

	if (!(xml = switch_xml_open_cfg(name, &cfg, NULL))) {
		return NULL;
	}
	text = switch_xml_toxml(cfg, SWITCH_FALSE);
	switch_xml_free(xml);
	return text;
}

int gp_fs_walk_config(const char *text, void *ctx, gp_fs_element_fn element, gp_fs_attr_fn attr)
{
	switch_xml_t cfg, top, item;

	/* Parsed from a copy: the text is not written to. */
	if (zstr(text) || !(cfg = switch_xml_parse_str_dup((char *)text))) {
		return -1;
	}
	for (top = cfg->child; top; top = top->ordered) {
		element(ctx, 1, top->name);
		report_attrs(top, ctx, attr);
		for (item = top->child; item; item = item->ordered) {
			element(ctx, 2, item->name);
			report_attrs(item, ctx, attr);
		}
	}
	switch_xml_free(cfg);
	return 0;
}

char *gp_fs_get_global(const char *name)
{
	return switch_core_get_variable_dup(name);
}

void gp_fs_set_global(const char *name, const char *value)
{
	switch_core_set_variable(name, value);
}

void gp_fs_free(char *text)
{
	free(text);
}

gp_fs_session *gp_fs_locate(const char *uuid)
{
	if (zstr(uuid)) return NULL;
	return (gp_fs_session *)switch_core_session_locate(uuid);
}

void gp_fs_release(gp_fs_session *session)
{
	switch_core_session_rwunlock((switch_core_session_t *)session);
}

const char *gp_fs_uuid(gp_fs_session *session)
{
	return switch_core_session_get_uuid((switch_core_session_t *)session);
}

const char *gp_fs_name(gp_fs_session *session)
{
	return switch_channel_get_name(switch_core_session_get_channel((switch_core_session_t *)session));
}

const char *gp_fs_get_var(gp_fs_session *session, const char *name)
{
	return switch_channel_get_variable(switch_core_session_get_channel((switch_core_session_t *)session), name);
}

void gp_fs_set_var(gp_fs_session *session, const char *name, const char *value)
{
	switch_channel_set_variable(switch_core_session_get_channel((switch_core_session_t *)session), name, value);
}

int gp_fs_leg_state(gp_fs_session *session)
{
	switch_channel_t *channel = switch_core_session_get_channel((switch_core_session_t *)session);
	int bits = 0;

	if (switch_channel_up(channel)) bits |= GP_FS_UP;
	if (switch_channel_test_flag(channel, CF_ANSWERED)) bits |= GP_FS_ANSWERED;
	if (switch_channel_test_flag(channel, CF_RING_READY) || switch_channel_test_flag(channel, CF_EARLY_MEDIA))
		bits |= GP_FS_RINGING;
	if (switch_channel_direction(channel) == SWITCH_CALL_DIRECTION_OUTBOUND) bits |= GP_FS_OUTBOUND;
	if (switch_channel_test_flag(channel, CF_BRIDGED)) bits |= GP_FS_BRIDGED;
	return bits;
}

int gp_fs_answer(gp_fs_session *session)
{
	return switch_channel_answer(switch_core_session_get_channel((switch_core_session_t *)session)) ==
				   SWITCH_STATUS_SUCCESS ? 0 : -1;
}

int gp_fs_play(gp_fs_session *session, const char *file)
{
	return switch_ivr_play_file((switch_core_session_t *)session, NULL, file, NULL) == SWITCH_STATUS_SUCCESS ? 0 : -1;
}

/* Sets or clears CF_INTERCEPTED on the caller; -1 when it is gone or
 * answered (when setting). */
static int mark_intercepted(const char *caller_uuid, int on)
{
	switch_core_session_t *caller = switch_core_session_locate(caller_uuid);
	switch_channel_t *channel;
	int ret = 0;

	if (!caller) return -1;
	channel = switch_core_session_get_channel(caller);
	if (on) {
		if (switch_channel_test_flag(channel, CF_ANSWERED) || !switch_channel_up(channel)) {
			ret = -1;
		} else {
			switch_channel_set_flag(channel, CF_INTERCEPTED);
		}
	} else {
		switch_channel_clear_flag(channel, CF_INTERCEPTED);
	}
	switch_core_session_rwunlock(caller);
	return ret;
}

int gp_fs_intercept(gp_fs_session *session, const char *caller_uuid)
{
	switch_core_session_t *s = (switch_core_session_t *)session;
	switch_channel_t *channel = switch_core_session_get_channel(s);

	/* FreeSWITCH's intercept re-checks these on the live caller: a callee
	 * who answered keeps the call. */
	switch_channel_set_variable(channel, "intercept_unanswered_only", "true");
	switch_channel_set_variable(channel, "intercept_unbridged_only", "true");
	/* Marked before the intercept, not after as the intercept itself does:
	 * the caller's dial ends its other ringing legs as soon as it is taken,
	 * and only a caller already marked has them end as "answered
	 * elsewhere" (CANCEL with Reason: SIP;cause=200) rather than cancelled. */
	if (mark_intercepted(caller_uuid, 1) != 0) {
		return -1;
	}
	if (switch_ivr_intercept_session(s, caller_uuid, SWITCH_FALSE) != SWITCH_STATUS_SUCCESS) {
		mark_intercepted(caller_uuid, 0);
		return -1;
	}
	return 0;
}

void gp_fs_mark_answered_elsewhere(gp_fs_session *session, int on)
{
	switch_channel_t *channel = switch_core_session_get_channel((switch_core_session_t *)session);

	if (on) {
		switch_channel_set_flag(channel, CF_INTERCEPT);
	} else {
		switch_channel_clear_flag(channel, CF_INTERCEPT);
	}
}

void gp_fs_stream_write(gp_fs_stream *stream, const char *text)
{
	switch_stream_handle_t *s = (switch_stream_handle_t *)stream;
	s->write_function(s, "%s", text);
}

void gp_fs_fire_custom(const char *subclass, const char *const *names, const char *const *values, size_t count)
{
	switch_event_t *event;
	size_t i;

	if (switch_event_create_subclass(&event, SWITCH_EVENT_CUSTOM, subclass) != SWITCH_STATUS_SUCCESS) return;
	for (i = 0; i < count; i++) {
		switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, names[i], values[i]);
	}
	switch_event_fire(&event);
}

void gp_fs_presence(const char *number, const char *domain, int ringing)
{
	switch_event_t *event;

	if (switch_event_create(&event, SWITCH_EVENT_PRESENCE_IN) != SWITCH_STATUS_SUCCESS) return;
	/* mod_sofia notifies the subscriptions of the event's proto only, and
	 * a phone's SUBSCRIBE to a plain number (*101) is one of proto "sip"
	 * ("park" and the like are for park+<lot>): the group number is a
	 * number phones dial and watch like any extension. */
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "proto", "sip");
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "login", number);
	switch_event_add_header(event, SWITCH_STACK_BOTTOM, "from", "%s@%s", number, domain);
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "status", ringing ? "Ringing" : "Idle");
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "rpid", "unknown");
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "event_type", "presence");
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "alt_event_type", "dialog");
	switch_event_add_header(event, SWITCH_STACK_BOTTOM, "unique-id", "grouppickup-%s", number);
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "channel-state", ringing ? "CS_ROUTING" : "CS_HANGUP");
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "answer-state", ringing ? "early" : "terminated");
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "presence-call-direction", "inbound");
	switch_event_add_header_string(event, SWITCH_STACK_BOTTOM, "event_count", "1");
	switch_event_fire(&event);
}

const char *gp_fs_db_dir(void)
{
	return SWITCH_GLOBAL_dirs.db_dir;
}

const char *gp_fs_conf_dir(void)
{
	return SWITCH_GLOBAL_dirs.conf_dir;
}

void gp_fs_domain(char *buf, size_t len)
{
	char *domain = switch_core_get_variable_dup("domain");

	switch_copy_string(buf, domain ? domain : "", len);
	switch_safe_free(domain);
}
