/*
** version.c — the library's version and the names of its status codes.
*/
#include "bunryu.h"

const char *bunryu_version(void) { return BUNRYU_VERSION_STRING; }

const char *bunryu_strerror(int code) {
  switch (code) {
  case BUNRYU_OK: return "success";
  case BUNRYU_ENOMEM: return "out of memory";
  case BUNRYU_EINVAL: return "invalid argument";
  case BUNRYU_EUTF8: return "invalid UTF-8";
  case BUNRYU_ETOOBIG: return "input exceeds the size limit";
  case BUNRYU_ELIMIT: return "a limit was exceeded";
  case BUNRYU_ERULE: return "rule error";
  case BUNRYU_EIO: return "cannot read rules";
  case BUNRYU_EHOOK: return "rule hook failed";
  default: return "unknown error";
  }
}
