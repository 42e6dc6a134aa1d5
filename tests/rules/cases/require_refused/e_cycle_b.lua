

require "e_cycle_a"
