/*
 * mod_grouppickup's module definition: what FreeSWITCH's macros express
 * (the module interface, the application, the API command, event and XML
 * bindings). Every decision is made in Rust (gp_rs_*).
 */
#include <switch.h>
#include "gp_freeswitch.h"

SWITCH_MODULE_LOAD_FUNCTION(mod_grouppickup_load);
SWITCH_MODULE_SHUTDOWN_FUNCTION(mod_grouppickup_shutdown);
SWITCH_MODULE_DEFINITION(mod_grouppickup, mod_grouppickup_load, mod_grouppickup_shutdown, NULL);

#define GP_APP_SYNTAX "<group number>"
#define GP_API_SYNTAX \
	"show ranges|groups|ringing|stats | show group <number> | show user <user> | " \
	"set user <user> group <number> | clear user <user> | reset user <user> | reload"

static const char *const subclasses[] = { "grouppickup::pickup", "grouppickup::failed" };

SWITCH_STANDARD_APP(group_pickup_app)
{
	gp_rs_app((gp_fs_session *)session, data ? data : "");
}

SWITCH_STANDARD_APP(group_pickup_sound_app)
{
	gp_rs_pickup_sound((gp_fs_session *)session, data ? data : "");
}

SWITCH_STANDARD_API(grouppickup_api)
{
	(void)session;
	gp_rs_api(cmd ? cmd : "", (gp_fs_stream *)stream);
	return SWITCH_STATUS_SUCCESS;
}

static void leg_event(switch_event_t *event)
{
	const char *uuid = switch_event_get_header(event, "Unique-ID");
	const char *direction = switch_event_get_header(event, "Call-Direction");
	int kind;

	if (zstr(uuid) || !direction || strcasecmp(direction, "outbound")) {
		return;
	}
	switch (event->event_id) {
	case SWITCH_EVENT_CHANNEL_PROGRESS:
	case SWITCH_EVENT_CHANNEL_PROGRESS_MEDIA:
		kind = GP_FS_LEG_RINGING;
		break;
	default:
		kind = GP_FS_LEG_STOPPED;
		break;
	}
	gp_rs_leg_event(kind, uuid);
}

static void reloadxml_event(switch_event_t *event)
{
	(void)event;
	gp_rs_reload();
}

/* Group numbers without a dialplan entry each: the dialplan lookup of a
 * number inside a range is answered with one extension that runs
 * group_pickup; every other lookup falls through to the normal dialplan. */
static switch_xml_t dialplan_lookup(const char *section, const char *tag_name, const char *key_name,
									const char *key_value, switch_event_t *params, void *user_data)
{
	const char *context, *number;
	char *text;
	switch_xml_t xml;

	(void)tag_name; (void)key_name; (void)key_value; (void)user_data;
	if (!section || strcmp(section, "dialplan") || !params) {
		return NULL;
	}
	context = switch_event_get_header(params, "Hunt-Context");
	if (zstr(context)) context = switch_event_get_header(params, "Caller-Context");
	number = switch_event_get_header(params, "Hunt-Destination-Number");
	if (zstr(number)) number = switch_event_get_header(params, "Caller-Destination-Number");
	if (zstr(context) || zstr(number) || !gp_rs_serves(context, number)) {
		return NULL;
	}
	/* The number is a group number ([*#]?digits) and the context a name
	 * without blanks, both checked in Rust: safe inside the document. */
	text = switch_mprintf(
		"<document type=\"freeswitch/xml\"><section name=\"dialplan\"><context name=\"%s\">"
		"<extension name=\"grouppickup\"><condition field=\"destination_number\" expression=\"^.*$\">"
		"<action application=\"group_pickup\" data=\"%s\"/>"
		"</condition></extension></context></section></document>",
		context, number);
	if (!text) return NULL;
	xml = switch_xml_parse_str_dynamic(text, SWITCH_FALSE);
	if (!xml) free(text);
	return xml;
}

SWITCH_MODULE_LOAD_FUNCTION(mod_grouppickup_load)
{
	switch_application_interface_t *app_interface;
	switch_api_interface_t *api_interface;
	size_t i;
	static const switch_event_types_t leg_events[] = {
		SWITCH_EVENT_CHANNEL_PROGRESS, SWITCH_EVENT_CHANNEL_PROGRESS_MEDIA,
		SWITCH_EVENT_CHANNEL_ANSWER, SWITCH_EVENT_CHANNEL_HANGUP,
		SWITCH_EVENT_CHANNEL_DESTROY,
	};

	for (i = 0; i < sizeof(subclasses) / sizeof(subclasses[0]); i++) {
		if (switch_event_reserve_subclass(subclasses[i]) != SWITCH_STATUS_SUCCESS) {
			switch_log_printf(SWITCH_CHANNEL_LOG, SWITCH_LOG_ERROR,
							  "grouppickup: could not reserve the event subclass %s\n", subclasses[i]);
			while (i-- > 0) switch_event_free_subclass(subclasses[i]);
			return SWITCH_STATUS_TERM;
		}
	}
	if (gp_rs_load() != 0) {
		for (i = 0; i < sizeof(subclasses) / sizeof(subclasses[0]); i++) switch_event_free_subclass(subclasses[i]);
		return SWITCH_STATUS_TERM;
	}

	*module_interface = switch_loadable_module_create_module_interface(pool, modname);
	SWITCH_ADD_APP(app_interface, "group_pickup", "Group Call Pickup",
				   "Picks up the call that has rung longest in the group of <number>; on failure sets "
				   "grouppickup_status to NOCALL, INVALID, DENIED or FAILED.",
				   group_pickup_app, GP_APP_SYNTAX, SAF_NONE);
	SWITCH_ADD_APP(app_interface, "group_pickup_sound", "Group Call Pickup: the pickup sound",
				   "Plays <sound> once; group_pickup runs it on both parties of a pickup when they are "
				   "bridged (pickup-sound).",
				   group_pickup_sound_app, "<sound>", SAF_NONE);
	SWITCH_ADD_API(api_interface, "grouppickup", "Group Call Pickup", grouppickup_api, GP_API_SYNTAX);

	for (i = 0; i < sizeof(leg_events) / sizeof(leg_events[0]); i++) {
		switch_event_bind(modname, leg_events[i], SWITCH_EVENT_SUBCLASS_ANY, leg_event, NULL);
	}
	switch_event_bind(modname, SWITCH_EVENT_RELOADXML, SWITCH_EVENT_SUBCLASS_ANY, reloadxml_event, NULL);
	switch_xml_bind_search_function(dialplan_lookup, switch_xml_parse_section_string("dialplan"), NULL);
	return SWITCH_STATUS_SUCCESS;
}

SWITCH_MODULE_SHUTDOWN_FUNCTION(mod_grouppickup_shutdown)
{
	size_t i;

	switch_xml_unbind_search_function_ptr(dialplan_lookup);
	switch_event_unbind_callback(leg_event);
	switch_event_unbind_callback(reloadxml_event);
	gp_rs_unload();
	for (i = 0; i < sizeof(subclasses) / sizeof(subclasses[0]); i++) switch_event_free_subclass(subclasses[i]);
	return SWITCH_STATUS_SUCCESS;
}
