
require "e_cycle_b"
