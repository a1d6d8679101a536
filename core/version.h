/* core/version.h - the crmsync version, one place. */
#ifndef CORE_VERSION_H
#define CORE_VERSION_H

#define CRMSYNC_VERSION "0.2.0"

#endif
