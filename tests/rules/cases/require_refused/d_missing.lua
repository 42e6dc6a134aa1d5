require "nope"
