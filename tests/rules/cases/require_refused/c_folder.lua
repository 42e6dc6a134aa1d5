require "sub/module"
