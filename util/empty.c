/* util/empty.c: keeps an object library non-empty while a layer has no sources. */
typedef int floe_empty_translation_unit;
