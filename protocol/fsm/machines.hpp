// Every protocol state machine (Boost.MSM inside, none of it in these headers).
#pragma once

#include "fsm/client_link.hpp"
#include "fsm/conflict_case.hpp"
#include "fsm/permit_client.hpp"
#include "fsm/permit_server.hpp"
#include "fsm/server_link.hpp"
