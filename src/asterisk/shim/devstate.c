/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The device state GroupPickup:<number>: RINGING while a pickable call rings
 * in the group, NOT_INUSE otherwise. Rust publishes changes and answers
 * Asterisk's questions.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/devicestate.h"

#include "shim.h"

void gp_device_state_changed(const char *number, int ringing)
{
	ast_devstate_changed(ringing ? AST_DEVICE_RINGING : AST_DEVICE_NOT_INUSE,
		AST_DEVSTATE_CACHABLE, GP_DEVICE_PREFIX ":%s", number);
}

static enum ast_device_state device_state(const char *number)
{
	switch (gp_rs_device_state(number ? number : "")) {
	case GP_LAMP_RINGING:
		return AST_DEVICE_RINGING;
	case GP_LAMP_IDLE:
		return AST_DEVICE_NOT_INUSE;
	default:
		return AST_DEVICE_INVALID;
	}
}

int gp_devstate_load(void)
{
	return ast_devstate_prov_add(GP_DEVICE_PREFIX, device_state) ? -1 : 0;
}

void gp_devstate_unload(void)
{
	ast_devstate_prov_del(GP_DEVICE_PREFIX);
}
