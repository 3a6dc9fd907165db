import {
  to = stellar_target_registration.default
  id = "00000000-0000-0000-0000-000000000000" # object ID or client ID
}
