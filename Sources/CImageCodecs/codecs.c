#include "sigtune_codecs.h"
