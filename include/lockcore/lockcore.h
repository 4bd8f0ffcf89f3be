/* lockcore: the one header an application includes. */
#ifndef LOCKCORE_H
#define LOCKCORE_H

#include "lockcore/audit.h"
#include "lockcore/config.h"
#include "lockcore/cred.h"
#include "lockcore/crypto.h"
#include "lockcore/error.h"
#include "lockcore/event.h"
#include "lockcore/lock.h"
#include "lockcore/port.h"
#include "lockcore/power.h"

#endif /* LOCKCORE_H */
