#include "cli.h"

#include <strings.h>

int cli_parse_io(const char *s, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t v;
	} t[] = {
		{ "NoInputNoOutput", BH_IO_NO_INPUT_NO_OUTPUT },
		{ "DisplayOnly", BH_IO_DISPLAY_ONLY },
		{ "DisplayYesNo", BH_IO_DISPLAY_YES_NO },
		{ "KeyboardOnly", BH_IO_KEYBOARD_ONLY },
		{ "KeyboardDisplay", BH_IO_KEYBOARD_DISPLAY },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcasecmp(s, t[i].name)) {
			*out = t[i].v;
			return 0;
		}
	}
	return -1;
}
